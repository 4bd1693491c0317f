// Bundles the verifier's libraries (src/libs.js) into vendor/libs.js and copies ZXing's
// WebAssembly reader next to it: `npm ci && npm run build` (see README.md).
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('vendor', { recursive: true });
await build({
  entryPoints: ['src/libs.js'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: false,
  legalComments: 'inline',
  outfile: 'vendor/libs.js',
});
copyFileSync('node_modules/zxing-wasm/dist/reader/zxing_reader.wasm', 'vendor/zxing_reader.wasm');
