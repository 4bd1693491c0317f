// Prepares a simulated partial election night (esep_site_night) and serves its site with
// `esep-tabulator serve-site` on a free loopback port.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const buildDir = process.env.ESEP_BUILD_DIR || 'build';

export async function startNight(name) {
  const dir = join(buildDir, 'browser-nights', name);
  execFileSync(join(buildDir, 'tests', 'esep_site_night'), ['--out', dir], { stdio: 'inherit' });
  const portFile = join(dir, 'site.port');
  rmSync(portFile, { force: true });
  const server = spawn(join(buildDir, 'tools', 'esep-tabulator'),
    ['serve-site', '--site', join(dir, 'site'), '--listen', '127.0.0.1:0', '--port-file', portFile],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100 && !existsSync(portFile); ++i) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(portFile)) throw new Error('esep-tabulator serve-site did not start');
  const port = Number(readFileSync(portFile, 'utf8').trim());
  return { dir, base: `http://127.0.0.1:${port}`, stop: () => server.kill('SIGTERM') };
}
