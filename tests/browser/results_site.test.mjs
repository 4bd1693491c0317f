// The public results site after a simulated partial night (esep_site_night): precinct 1001
// counted, 1002 held for review (turnout 160%), 2001 missing. Checks the numbers, the missing
// precincts, that the held protocol never enters a total, and walks every page in every language
// to check that no share or turnout above 100% is shown anywhere.
import { readFileSync } from 'node:fs';
import { check, checkEqual, launch, run, screenshotDir, shot } from './lib/browser.mjs';
import { startNight } from './lib/night.mjs';

const election = JSON.parse(readFileSync('fixtures/elections/party-list-2021.json', 'utf8'));
const registered = Object.fromEntries(election.precincts.map((p) => [p.id, p.registered_voters]));

await run('ResultsSiteBrowserTest', async () => {
  const night = await startNight('results-site');
  const browser = await launch();
  const dir = screenshotDir('ResultsSiteBrowserTest');
  try {
    const page = await browser.newPage();
    const summary = async (url) => {
      await page.goto(url);
      return page.$$eval('dl.summary dd', (dds) => dds.map((d) => d.textContent.trim()));
    };

    // The country: one precinct of three counted; its voters and ballots are the country's.
    const country = await summary(`${night.base}/en/index.html`);
    checkEqual(country[0], '1 / 3', 'precincts counted in the country');
    checkEqual(country[1], String(registered['1001']), 'voters on the list: precinct 1001 only');
    await shot(page, dir, 'country-en');
    const counted = await summary(`${night.base}/en/precinct-1001.html`);
    checkEqual(country[2], counted[2], 'the country\'s ballots in the boxes are those of 1001 only');
    await shot(page, dir, 'precinct-1001-en');

    // The held precinct: listed, under review, with its reason, never counted.
    await page.goto(`${night.base}/ru/precinct-1002.html`);
    checkEqual(await page.getAttribute('#state', 'class'), 'state held', 'precinct 1002 is held');
    check((await page.$$('.reason')).length === 1, 'the reason for holding 1002 is shown');
    const broken = await page.$$eval('tr.broken td:first-child', (tds) => tds.map((td) => td.textContent));
    check(broken.includes('L6 + L7 <= L1'), `the broken relation is shown: ${broken}`);
    check((await page.$$('dl.summary')).length === 0, 'a held precinct shows no totals');
    check((await page.$$('a[download][href$="1002-r1.pb"]')).length === 1, 'its signed protocol can be downloaded');
    await shot(page, dir, 'precinct-1002-ru');
    const region = await summary(`${night.base}/ky/region-1.html`);
    checkEqual(region[0], '1 / 2', 'Bishkek: 1001 counted, 1002 held');
    checkEqual(region[2], counted[2], 'the region\'s ballots are those of 1001 only');

    // Missing: 1002 (under review) and 2001 (no protocol), not 1001.
    await page.goto(`${night.base}/en/missing.html`);
    const missing = await page.$$eval('tr[data-precinct]', (rows) => rows.map((r) => r.dataset.precinct));
    checkEqual(missing.sort().join(','), '1002,2001', 'the precincts still missing');

    // Every page, every language: no share or turnout above 100%, every counted figure possible.
    const seen = new Set();
    const queue = ['/ky/index.html', '/ru/index.html', '/en/index.html'];
    while (queue.length) {
      const path = queue.shift();
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await page.goto(`${night.base}${path}`);
      checkEqual(response.status(), 200, `GET ${path}`);
      const shares = await page.$$eval('[data-share]', (nodes) => nodes.map((n) => Number(n.dataset.share)));
      for (const s of shares) check(s >= 0 && s <= 10000, `${path} shows a share of ${s / 100}%`);
      const percents = (await page.innerText('main')).match(/\d+(\.\d+)?%/g) || [];
      for (const p of percents) check(parseFloat(p) <= 100, `${path} shows ${p}`);
      const fractions = await page.$$eval('dd.counted', (dds) => dds.map((d) => d.textContent.split('/').map(Number)));
      for (const [a, b] of fractions) check(a <= b, `${path} shows ${a} of ${b} precincts counted`);
      const links = await page.$$eval('a[href$=".html"]', (as) => as.map((a) => new URL(a.href).pathname));
      for (const link of links) if (/^\/(ky|ru|en)\//.test(link) && !seen.has(link)) queue.push(link);
    }
    check(seen.size >= 21, `walked ${seen.size} pages (3 languages x 7 pages at least)`);
    console.log(`walked ${seen.size} pages`);
  } finally {
    await browser.close();
    night.stop();
  }
});
