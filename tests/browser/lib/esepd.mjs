// Runs a real esepd over a simulated reader for the screen's browser tests: the election, decks
// and calibration are made with the built `esep`, as tests/tools/esepd_test_lib.sh makes them.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const build = process.env.ESEP_BUILD_DIR || 'build';
export const esepBinary = join(build, 'tools', 'esep');
export const esepdBinary = join(build, 'tools', 'esepd');

export function esep(...args) {
  return execFileSync(esepBinary, args, { encoding: 'utf8' });
}

// A scratch directory with the presidential election (in its time zone), the reader's
// calibration and two commission members: Asel (PIN 1234) and Bakyt (PIN 5678).
export function setUp(name) {
  const work = mkdtempSync(join(tmpdir(), `esep-${name}-`));
  const election = JSON.parse(readFileSync('fixtures/elections/presidential-2021.json', 'utf8'));
  election.timeZone = 'Asia/Bishkek';
  writeFileSync(join(work, 'election.json'), JSON.stringify(election));
  esep('render', '--calibration-sheet', '--out', join(work, 'calibration-sheet.png'));
  esep('calibrate', join(work, 'calibration-sheet.png'), '--serial-number', 'SIM-0001', '--out',
    join(work, 'calibration.pb'));
  for (const [member, pin] of [['Asel', '1234'], ['Bakyt', '5678']]) {
    execFileSync(esepBinary, ['members', 'add', member, '--data-dir', join(work, 'store')],
      { input: `${pin}\n` });
  }
  return work;
}

// A deck of presidential ballots of precinct 1001, one PNG per entry of `marks` (options to mark,
// comma-separated; '' for a blank ballot).
export function renderDeck(work, deck, marks, { test = false } = {}) {
  const dir = join(work, deck);
  mkdirSync(dir, { recursive: true });
  marks.forEach((mark, i) => {
    const args = ['render', '--election', join(work, 'election.json'), '--style', 'president',
      '--precinct', '1001', '--seed', String(i + 1),
      '--out', join(dir, `${String(i + 1).padStart(2, '0')}.png`)];
    if (test) args.push('--test');
    if (mark) args.push('--mark', mark);
    esep(...args);
  });
  return dir;
}

// Starts esepd with its screen on a free loopback port; resolves once the screen answers.
export async function startEsepd(work, deck, extra = []) {
  const args = ['--election', join(work, 'election.json'), '--precinct', '1001',
    '--data-dir', join(work, 'store'), '--socket', join(work, 'esepd.sock'),
    '--sim', join(work, deck), '--calibration', join(work, 'calibration.pb'),
    '--sim-paper', join(work, `${deck}.paper`), '--sim-voter', 'screen',
    '--screen', '127.0.0.1:0', '--screen-assets', 'scanner/screen', ...extra];
  let fresh = false;
  try {
    readFileSync(join(work, 'store', 'esep.db'));
  } catch {
    fresh = true;
  }
  if (fresh) args.push('--new-reader');
  const child = spawn(esepdBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`esepd did not start:\n${log}`)), 30000);
    const read = (chunk) => {
      log += chunk;
      const found = /the box's screen is at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`esepd exited (${code}):\n${log}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function tearDown(work) {
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
}
