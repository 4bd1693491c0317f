// Saves screenshots of the results site's country and precinct pages for tools/run-demo.sh:
//   node tests/browser/demo-screenshots.mjs BASE_URL OUT_DIR PRECINCT
import { launch, shot } from './lib/browser.mjs';

const [base, out, precinct] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  for (const [path, file] of [
    ['/ky/index.html', 'site-country-ky'],
    ['/ru/index.html', 'site-country-ru'],
    [`/ru/precinct-${precinct}.html`, `site-precinct-${precinct}-ru`],
    [`/verify/index.html?lang=ru&precinct=${precinct}`, 'site-verifier-ru'],
  ]) {
    await page.goto(`${base}${path}`);
    console.log(`screenshot ${await shot(page, out, file)}`);
  }
} finally {
  await browser.close();
}
