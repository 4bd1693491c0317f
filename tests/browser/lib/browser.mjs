// Starts Debian's headless Chromium for Esep's browser tests and keeps their screenshots.
//
// Every browser test is a plain Node.js script run by ctest: it exits non-zero on the first
// failed check. Screenshots go to $ESEP_SCREENSHOT_DIR (ctest sets it under the build tree), so
// a failed run leaves what the browser showed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.ESEP_CHROMIUM || '/usr/bin/chromium';

// The flags a closed-network, root-run sandbox needs: no background connections, no GPU, and a
// fresh profile per launch (playwright makes one).
const kFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch(options = {}) {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...kFlags, ...(options.args || [])],
    timeout: 60000,
  });
}

export function screenshotDir(name) {
  const dir = join(process.env.ESEP_SCREENSHOT_DIR || 'screenshots', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Saves a full-page screenshot of `page` as <dir>/<file>.png and returns its path.
export async function shot(page, dir, file) {
  const path = join(dir, `${file}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

export function checkEqual(actual, expected, message) {
  if (actual !== expected) {
    throw new CheckFailed(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// Runs `body` and turns its outcome into the process's exit status, printing what failed.
export async function run(name, body) {
  try {
    await body();
    console.log(`${name}: all checks passed`);
  } catch (e) {
    console.error(`${name}: ${e instanceof CheckFailed ? 'FAILED' : 'ERROR'}: ${e.stack || e}`);
    process.exitCode = 1;
  }
}
