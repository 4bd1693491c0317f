// A whole election day at the box's screen alone, with a real esepd over the simulated reader:
// PINs, the logic-and-accuracy test, opening, ballots counted and returned (the voter chooses on
// the screen each way), a jam, closing by two members, the protocol lines, finalizing by two
// members. Screenshots are kept under build/screenshots/screen_election_day/.
import { check, checkEqual, launch, run, screenshotDir, shot } from './lib/browser.mjs';
import { join } from 'node:path';
import { esep, renderDeck, setUp, startEsepd, tearDown } from './lib/esepd.mjs';

const dir = screenshotDir('screen_election_day');

async function voterScreen(page, look, timeout = 20000) {
  await page.waitForSelector(`#voter[data-screen="${look}"]`, { timeout });
}

async function signIn(page, member, pin) {
  if (await page.isHidden('#commission')) await page.click('#open-commission');
  await page.fill('#member', member);
  await page.fill('#pin', pin);
  await page.click('#btn-sign-in');
}

async function pollState(page, state) {
  await page.waitForSelector(`#poll-state[data-state="${state}"]`, { timeout: 20000 });
}

// Presses Print on the report shown and returns the size of the PDF sheet esepd answers with for
// `command`. Headless Chromium has no printer: the page's call to print the loaded sheet is left
// out.
async function printSheet(page, command) {
  await page.evaluate(() => Object.defineProperty(document.querySelector('#print-frame'),
    'onload', { set() {}, get() { return null; }, configurable: true }));
  const [printed] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/command') &&
      (r.request().postData() || '').includes('"print":true'), { timeout: 20000 }),
    page.click('#btn-print'),
  ]);
  await page.waitForSelector(`#print-frame[data-printed="${command}"]`,
    { state: 'attached', timeout: 20000 });
  checkEqual(printed.headers()['content-type'], 'application/pdf',
    `esepd answers ${command} with a PDF`);
  return Number(await page.getAttribute('#print-frame', 'data-bytes'));
}

// esepd's verdict on the logic-and-accuracy test as the page shows it, once it is `wanted` or
// after 10 s.
async function laVerdict(page, wanted) {
  await page.waitForSelector(`#la-verdict[data-verdict="${wanted}"]`, { timeout: 10000 })
    .catch(() => {});
  return page.getAttribute('#la-verdict', 'data-verdict');
}

await run('screen_election_day', async () => {
  const work = setUp('screen-day');
  renderDeck(work, 'test', ['japarov'], { test: true });
  // The day's voters: counted; overvoted, taken back; overvoted, cast as is; jammed; counted.
  renderDeck(work, 'live', ['japarov', 'japarov,tolbaev', 'madumarov,tolbaev', 'tolbaev',
    'madumarov']);
  const browser = await launch();
  let esepd = await startEsepd(work, 'test');
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error(`page error: ${e}`));
    await page.goto(esepd.url);
    await voterScreen(page, 'closed');
    checkEqual(await page.getAttribute('html', 'lang'), 'ky', 'the screen starts in Kyrgyz');
    check((await page.textContent('#clock')).length > 0, 'the local time is shown');
    checkEqual(await page.getAttribute('#clock', 'data-time-zone'), 'Asia/Bishkek',
      'the clock is in the election\'s time zone');
    await shot(page, dir, '01-polls-not-open-ky');

    // A wrong PIN is refused and changes nothing.
    await signIn(page, 'Asel', '0000');
    await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0);
    check(await page.isHidden('#panel'), 'a wrong PIN does not sign in');
    await shot(page, dir, '02-wrong-pin');
    await signIn(page, 'Asel', '1234');
    await pollState(page, 'setup');
    await shot(page, dir, '03-commission-setup');

    // The logic-and-accuracy test: one test ballot for Japarov.
    await page.click('#btn-start-test');
    await pollState(page, 'testing');
    await page.waitForFunction(() => document.querySelector('#test-ballots').textContent === '1',
      null, { timeout: 20000 });
    for (const [option, expected] of [['japarov', '1'], ['madumarov', '0'], ['tolbaev', '0'],
      ['arstanbek', '0'], ['segizbaev', '0']]) {
      await page.fill(`#la-table input[data-key="president/${option}"]`, expected);
    }
    checkEqual(await laVerdict(page, 'PASS'), 'PASS',
      'esepd judges the test ballots counted as expected');
    await shot(page, dir, '04-logic-and-accuracy-pass');
    await page.fill('#la-table input[data-key="president/japarov"]', '2');
    checkEqual(await laVerdict(page, 'FAIL'), 'FAIL', 'a count other than expected fails the test');
    await page.fill('#la-table input[data-key="president/japarov"]', '1');
    checkEqual(await laVerdict(page, 'PASS'), 'PASS', 'the corrected expected count passes');
    await page.click('#btn-finish-test');
    await pollState(page, 'ready');
    // The report is esepd's answer to a second command after finishing: wait for it.
    await page.waitForSelector('#report-box[data-report="test-report"]', { timeout: 20000 });
    // The screen is in Kyrgyz: so is the report, its verdict the one the screen showed.
    check((await page.textContent('#report')).includes('КОРУТУНДУ: ӨТТҮ'),
      'the printed test report carries esepd\'s verdict in the screen\'s language');
    await shot(page, dir, '05-test-finished');

    // The reader is loaded with the day's ballots: esepd starts again over the live deck.
    await esepd.stop();
    esepd = await startEsepd(work, 'live', ['--sim-script', '4=jam']);
    await page.goto(esepd.url);
    await signIn(page, 'Asel', '1234');
    await pollState(page, 'ready');
    // Every screen the voter is shown, in order, for the checks below.
    await page.evaluate(() => {
      window.seen = [];
      const voter = document.querySelector('#voter');
      new MutationObserver(() => {
        if (window.seen[window.seen.length - 1] !== voter.dataset.screen) {
          window.seen.push(voter.dataset.screen);
        }
      }).observe(voter, { attributes: true, attributeFilter: ['data-screen'] });
    });
    await page.click('#btn-open');
    await pollState(page, 'open');
    await page.waitForSelector('#report-box[data-report="zero-report"]', { timeout: 20000 });
    const zero = await page.textContent('#report');
    check(zero.includes('НӨЛДҮК ОТЧЁТ') && zero.includes('БАРДЫК ЭСЕПТЕГИЧТЕР НӨЛГӨ БАРАБАР'),
      'the zero report is shown in the screen\'s language');
    await shot(page, dir, '06-polls-open-zero-report');
    // The zero report is printed as esepd's sheet too, a copy marked as one, for the commission
    // to sign.
    const zeroBytes = await printSheet(page, 'zero-report');
    check(zeroBytes > 5000, `the printed zero report is esepd's PDF sheet (${zeroBytes} bytes)`);
    await page.click('#btn-sign-out');

    // Sheet 2: an overvote; the voter takes it back.
    await voterScreen(page, 'held');
    const reason = await page.textContent('#voter-reason');
    check(reason.length > 0 && !/overvote/i.test(reason), `the reason in plain words: ${reason}`);
    check(await page.isVisible('#btn-cast-as-is'), 'the election lets the voter cast as is');
    for (const id of ['#voter-title', '#voter-reason', '#btn-take-back', '#btn-cast-as-is']) {
      const text = await page.textContent(id);
      check(/[а-яөүң]/i.test(text) && !/ballot|take|cast|marks/i.test(text),
        `${id} is in Kyrgyz: ${text}`);
    }
    await shot(page, dir, '07-returned-overvote-ky');
    await page.click('#languages button[data-language="ru"]');
    await page.waitForFunction(() => document.documentElement.lang === 'ru');
    checkEqual(await page.textContent('#btn-cast-as-is'), 'Опустить как есть',
      'the buttons are in Russian');
    await shot(page, dir, '08-returned-overvote-ru');
    const heldSeq = await page.getAttribute('#voter', 'data-seq');
    await page.click('#btn-take-back');
    // Sheet 3: an overvote; the voter casts it as it is.
    await page.waitForFunction((seq) => {
      const voter = document.querySelector('#voter');
      return voter.dataset.screen === 'held' && voter.dataset.seq !== seq;
    }, heldSeq, { timeout: 20000 });
    await page.click('#btn-cast-as-is');
    // Sheet 4 jams: the reader stops until a member clears it.
    await voterScreen(page, 'stopped');
    await shot(page, dir, '09-reader-jammed-voter');
    await signIn(page, 'Bakyt', '5678');
    await page.waitForSelector('#fault-panel:not([hidden])');
    check((await page.textContent('#fault-what')).length > 0, 'the commission is told what to do');
    await shot(page, dir, '10-reader-jammed-commission');
    await page.click('#btn-resume');
    await page.click('#btn-sign-out');
    // Sheet 5 is counted.
    await voterScreen(page, 'counted');
    await shot(page, dir, '11-counted-ru');
    const seen = await page.evaluate(() => window.seen);
    for (const look of ['counted', 'held', 'stopped']) {
      check(seen.includes(look), `the voter was shown "${look}" (${seen})`);
    }

    // Closing takes two members; one member alone is refused.
    await signIn(page, 'Asel', '1234');
    await pollState(page, 'open');
    checkEqual(await page.textContent('#ballots-cast'), '3', 'three ballots in the box');
    // A copy of the zero report after three ballots: the opening's counters, marked as a copy.
    await page.click('#btn-zero-copy');
    await page.waitForFunction(() => document.querySelector('#report').textContent.includes('КОПИЯ'),
      null, { timeout: 20000 });
    const copy = await page.textContent('#report');
    check(copy.includes('опущено бюллетеней: 0') && copy.includes('ВСЕ СЧЁТЧИКИ РАВНЫ НУЛЮ'),
      `the copy shows the opening's counters, in Russian: ${copy}`);
    await shot(page, dir, '11-zero-report-copy-ru');
    await page.fill('#step-open .second-member', 'Asel');
    await page.fill('#step-open .second-pin', '1234');
    await page.click('#btn-close');
    await page.waitForFunction(() => document.querySelector('#error').textContent.length > 0);
    await pollState(page, 'open');
    await page.fill('#step-open .second-member', 'Bakyt');
    await page.fill('#step-open .second-pin', '5678');
    await shot(page, dir, '12-close-two-members');
    await page.click('#btn-close');
    await pollState(page, 'closed');
    await voterScreen(page, 'closed');
    // The console is the other client of the same state machine, in the commission's language.
    const socket = join(work, 'esepd.sock');
    const english = esep('poll', 'status', '--socket', socket);
    check(english.includes('poll state: closed, ballots cast: 3'),
      `the console sees what the screen did: ${english}`);
    const russian = esep('poll', 'status', '--socket', socket, '--lang', 'ru');
    check(russian.includes('состояние голосования: Голосование закрыто'),
      `the console speaks Russian: ${russian}`);
    const kyrgyz = esep('poll', 'status', '--socket', socket, '--lang', 'ky');
    check(kyrgyz.includes('добуш берүүнүн абалы: Добуш берүү жабылды'),
      `the console speaks Kyrgyz: ${kyrgyz}`);

    // The protocol lines, checked as typed.
    await page.fill('#line-l1', '-5');
    check(await page.$eval('#line-l1', (e) => e.classList.contains('invalid')),
      'a negative number is marked');
    await page.fill('#line-l2', '2000000000');
    check(await page.$eval('#line-l2', (e) => e.classList.contains('invalid')),
      'a number out of range is marked');
    await page.click('#btn-save-lines');
    check(await page.isHidden('#draft'), 'bad lines are not sent');
    await shot(page, dir, '13-lines-refused');
    for (const [line, value] of [['l1', '2150'], ['l2', '120'], ['l3', '3'], ['l4', '0'],
      ['l5', '117'], ['l7', '0'], ['l10', '0'], ['l11', '0']]) {
      await page.fill(`#line-${line}`, value);
    }
    await page.fill('#explanation', 'Бир шайлоочу бюллетенди ошол бойдон салды.');
    await page.click('#btn-save-lines');
    await page.waitForSelector('#draft:not([hidden])');
    const relations = await page.$$eval('#relations tr', (rows) => rows.length);
    check(relations > 3, `every control relation is shown (${relations})`);
    await shot(page, dir, '14-draft-relations');
    await page.fill('#draft .second-member', 'Bakyt');
    await page.fill('#draft .second-pin', '5678');
    await page.click('#btn-finalize');
    await pollState(page, 'protocol_final');
    check((await page.textContent('#transmission')).length > 0, 'the delivery status is shown');
    await page.click('#btn-protocol');
    await page.waitForSelector('#report-box[data-report="protocol"]', { timeout: 20000 });
    await shot(page, dir, '15-protocol-final');
    // Printing gives the sheet esepd renders (the PDF `esep poll protocol --pdf` prints).
    const bytes = await printSheet(page, 'protocol');
    check(bytes > 10000, `the printed protocol is esepd's PDF sheet (${bytes} bytes)`);
  } finally {
    await browser.close();
    await esepd.stop();
    tearDown(work);
  }
});
