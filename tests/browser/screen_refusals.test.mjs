// Bad input at the box's screen gets a clear refusal and changes nothing: another origin, a name
// that is not this box (DNS rebinding), a form post, malformed JSON, a second window, wrong PINs
// (locked after three), numbers out of range, a command without a member, an address that is
// not the loopback interface.
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { check, checkEqual, launch, run, screenshotDir, shot } from './lib/browser.mjs';
import { esepdBinary, renderDeck, setUp, startEsepd, tearDown } from './lib/esepd.mjs';

const dir = screenshotDir('screen_refusals');

// One raw HTTP request, with any Host and Origin; resolves to { status, body }.
function send(port, { method = 'GET', path = '/api/state', headers = {}, body = '' }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        let json = {};
        try { json = JSON.parse(text); } catch { json = { text }; }
        resolve({ status: res.statusCode, body: json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function post(port, path, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return send(port, {
    method: 'POST', path, body: text,
    headers: {
      Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`,
      'Content-Type': 'application/json', ...headers,
    },
  });
}

await run('screen_refusals', async () => {
  const work = setUp('screen-refusals');
  renderDeck(work, 'test', ['japarov'], { test: true });

  // Only the loopback interface: esepd refuses any other address before it starts.
  for (const address of ['0.0.0.0:8080', '192.168.1.5:8080', '[::]:8080', 'example.org:80']) {
    const started = spawnSync(esepdBinary, ['--election', join(work, 'election.json'),
      '--precinct', '1001', '--data-dir', join(work, 'other'), '--socket', join(work, 'o.sock'),
      '--sim', join(work, 'test'), '--screen', address], { encoding: 'utf8' });
    check(started.status !== 0 && /loopback|127\.0\.0\.1/.test(started.stderr),
      `--screen ${address} is refused: ${started.status} ${started.stderr}`);
  }

  const esepd = await startEsepd(work, 'test');
  const browser = await launch();
  try {
    const { port } = esepd;
    const state = async () => (await send(port, { headers: { Host: `127.0.0.1:${port}` } })).body;
    const before = await state();
    checkEqual(before.pollState, 'setup', 'esepd starts in setup');

    // A page of another name that resolves here (DNS rebinding), and another origin.
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, '127.0.0.1']) {
      const r = await send(port, { headers: { Host: host } });
      checkEqual(r.status, 403, `Host ${host} is refused`);
      check(/refused/.test(r.body.error), 'the refusal says why');
    }
    const r1 = await post(port, '/api/claim', {}, { Origin: 'http://evil.example' });
    checkEqual(r1.status, 403, 'a claim from another origin is refused');
    const r2 = await post(port, '/api/claim', {}, { Origin: 'null' });
    checkEqual(r2.status, 403, 'a claim from an opaque origin is refused');
    const r3 = await send(port, {
      method: 'POST', path: '/api/command', body: 'command=start-test',
      headers: { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}`,
        'Content-Type': 'application/x-www-form-urlencoded' },
    });
    checkEqual(r3.status, 403, 'a form post is refused');
    const r4 = await send(port, {
      method: 'POST', path: '/api/command', body: '{"command":"start-test"}',
      headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' },
    });
    checkEqual(r4.status, 403, 'a post without an Origin is refused');

    // This test takes the box's screen first; a browser window opened now is a second one.
    const claimed = await post(port, '/api/claim', {});
    checkEqual(claimed.status, 200, 'the first window gets the screen');
    const token = { 'X-Esep-Screen': claimed.body.screen };
    checkEqual((await post(port, '/api/claim', {})).status, 409, 'a second claim is refused');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(esepd.url);
    await page.waitForSelector('#not-screen:not([hidden])');
    check((await page.textContent('#not-screen-why')).length > 0, 'the second window says why');
    await shot(page, dir, '01-second-window');
    await page.close();
    checkEqual((await post(port, '/api/command', { command: 'return' })).status, 409,
      'a command from another window is refused');
    checkEqual((await post(port, '/api/login', { member: 'Asel', pin: '1234' })).status, 409,
      'a sign-in from another window is refused');

    // Malformed requests from the screen itself: refused, esepd goes on.
    for (const body of ['{', '[]', '{"command": 5}', '{"unknown": 1}', '\u0000\u00ff',
      `{"command":"${'x'.repeat(70000)}"}`]) {
      const r = await post(port, '/api/command', body, token);
      check(r.status === 400 || r.status === 413, `malformed body refused (${r.status})`);
    }
    checkEqual((await post(port, '/api/command', { command: 'explode' }, token)).status, 400,
      'an unknown command is refused');

    // Wrong PINs: refused and logged; after three the member is locked, even for the right PIN.
    for (let i = 0; i < 3; i++) {
      const r = await post(port, '/api/login', { member: 'Asel', pin: '9999', language: 'ru' },
        token);
      checkEqual(r.status, 403, `wrong PIN ${i + 1} refused`);
    }
    const locked = await post(port, '/api/login', { member: 'Asel', pin: '1234' }, token);
    checkEqual(locked.status, 429, 'a locked member is refused even with the right PIN');
    check(/wrong PIN for member "Asel" \(3 in a row; locked/.test(esepd.log()),
      'wrong PINs are logged');
    checkEqual((await post(port, '/api/login', { member: 'Nobody', pin: '1234' }, token)).status,
      403, 'an unknown member is refused');

    // A command without a member, or with numbers out of range, changes nothing.
    checkEqual((await post(port, '/api/command', { command: 'start-test' }, token)).status, 401,
      'a commission command without a member is refused');
    const login = await post(port, '/api/login', { member: 'Bakyt', pin: '5678' }, token);
    checkEqual(login.status, 200, 'Bakyt signs in');
    const member = { ...token, 'X-Esep-Session': login.body.session };
    for (const lines of [{ votersOnList: 2000000000 }, { votersOnList: -1 },
      { votersOnList: 'many' }, { ballotsLost: 1e20 }]) {
      const r = await post(port, '/api/command', { command: 'lines', lines }, member);
      checkEqual(r.status, 400, `lines ${JSON.stringify(lines)} refused`);
      check(r.body.error.length > 0, 'the refusal says why');
    }
    // esepd's own refusal reaches the commission in its language: opening before the test.
    for (const [language, words] of [
      ['ky', 'добуш берүү ачылганга чейин логика жана тактык текшерүүсү аякташы керек'],
      ['ru', 'проверка логики и точности должна быть завершена до открытия голосования'],
      ['en', 'the logic-and-accuracy test must be finished before the polls open']]) {
      const early = await post(port, '/api/command', { command: 'open', language }, member);
      checkEqual(early.status, 409, `opening before the test is refused (${language})`);
      checkEqual(early.body.error, words, `esepd's refusal in ${language}`);
    }
    // Closing needs a second member; the same member twice is refused.
    const alone = await post(port, '/api/command',
      { command: 'close', secondMember: 'Bakyt', secondPin: '5678' }, member);
    checkEqual(alone.status, 403, 'one member cannot confirm their own close');
    // A voter's choice with no ballot held is refused by esepd.
    const noBallot = await post(port, '/api/command', { command: 'cast-as-is' }, token);
    check(noBallot.status === 409 && !noBallot.body.ok, 'no ballot to cast: refused');
    const after = await state();
    checkEqual(after.pollState, 'setup', 'nothing changed the polls');
    checkEqual(after.sheetsRead, before.sheetsRead, 'nothing moved paper');
  } finally {
    await browser.close();
    await esepd.stop();
    tearDown(work);
  }
});
