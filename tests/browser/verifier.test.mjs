// The observers' verifier on the site: a photo of the printed protocol of precinct 1001 is
// PROVED against the published reader key, with the centre's copy the same; a photo whose
// numbers were changed after signing, one with a changed signature and one of another precinct
// are REFUSED.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, checkEqual, launch, run, screenshotDir, shot } from './lib/browser.mjs';
import { startNight } from './lib/night.mjs';

await run('VerifierBrowserTest', async () => {
  const night = await startNight('verifier');
  const browser = await launch();
  const dir = screenshotDir('VerifierBrowserTest');
  try {
    const page = await browser.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const verifyPhoto = async (sheet, lang = 'ru') => {
      await page.goto(`${night.base}/verify/index.html?lang=${lang}&precinct=1001`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
      await page.setInputFiles('#photo', join(night.dir, sheet));
      await page.waitForSelector('body[data-done="true"]', { timeout: 120000 });
      return page.getAttribute('#verdict', 'data-code');
    };

    checkEqual(await verifyPhoto('sheet-ok.png'), 'proved', 'the printed protocol as signed');
    checkEqual(await page.getAttribute('#centre', 'data-same'), 'true', 'the centre publishes the same protocol');
    const l1 = await page.textContent('tr[data-line="L1"] td:nth-child(4)');
    check(Number(l1) > 0, `L1 is shown (${l1})`);
    check((await page.textContent('tr[data-line="L1"] td:nth-child(3)')).length > 0, 'with its Russian name');
    await shot(page, dir, 'proved-ru');

    // A phone opens the first code's URL: the page has part 1 and asks for the rest; the photo
    // of the sheet completes it.
    const [first] = readFileSync(join(night.dir, 'parts-ok.txt'), 'utf8').split('\n');
    const fragment = first.slice(first.indexOf('#'));
    await page.goto(`${night.base}/verify/index.html?lang=ky&precinct=1001${fragment}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
    check((await page.textContent('#status')).includes('1/2'), 'the page asks for the other code');
    await page.setInputFiles('#photo', join(night.dir, 'sheet-ok.png'));
    await page.waitForSelector('body[data-done="true"]', { timeout: 120000 });
    checkEqual(await page.getAttribute('#verdict', 'data-code'), 'proved', 'the URL\'s part and the photo');
    await shot(page, dir, 'proved-from-url-ky');

    checkEqual(await verifyPhoto('sheet-changed-numbers.png'), 'signature', 'numbers changed after signing');
    await shot(page, dir, 'changed-numbers');
    checkEqual(await verifyPhoto('sheet-bad-signature.png'), 'signature', 'a changed signature');
    checkEqual(await verifyPhoto('sheet-other-precinct.png'), 'precinct', 'a QR code of another precinct');
    await shot(page, dir, 'other-precinct');

    const foreign = requests.filter((u) => !u.startsWith(night.base) && !u.startsWith('blob:') && !u.startsWith('data:'));
    checkEqual(foreign.join(' '), '', 'nothing is fetched from anywhere but the site');
  } finally {
    await browser.close();
    night.stop();
  }
});
