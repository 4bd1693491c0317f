// Checks a printed precinct protocol in the browser (docs/observer-qr.md): the QR parts from the
// URL's fragment or from photos, their SHA-512 chain, the reader's Ed25519 signature against the
// keys the site publishes, and the numbers beside the centre's copy.
import { prepareZXingModule, readBarcodes, sha256, sha512, verifyEd25519 } from './vendor/libs.js';

prepareZXingModule({
  overrides: {
    locateFile: (path, prefix) =>
      path.endsWith('.wasm') ? new URL('vendor/zxing_reader.wasm', import.meta.url).href : prefix + path,
  },
});

const params = new URLSearchParams(location.search);
const lang = ['ky', 'ru', 'en'].includes(params.get('lang')) ? params.get('lang') : 'ky';
const expectedPrecinct = params.get('precinct');
let text = {};
let keys = {};

function t(msgid) {
  return (text[lang] && text[lang][msgid]) || msgid;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const enc = new TextEncoder();
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// --- the parts -----------------------------------------------------------------------------

const kHeaderChars = 158;
const kBase45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const kBase32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function withoutUrl(part) {
  if (part.startsWith('ESEP')) return part;
  const i = part.indexOf('#');
  return i < 0 ? part : decodeURIComponent(part.slice(i + 1));
}

function parseHeader(full) {
  const part = withoutUrl(full);
  const m = /^ESEP([12]):(\d\d)\/(\d\d):([0-9A-F]{16}):([0-9A-F]{128}):/.exec(part);
  if (!m) return null;
  const index = Number(m[2]);
  const count = Number(m[3]);
  if (index < 1 || index > count) return null;
  return { version: Number(m[1]), index, count, keyId: m[4].toLowerCase(), previous: m[5], text: part };
}

function base32(textPart) {
  const out = [];
  let buffer = 0;
  let bits = 0;
  for (const c of textPart) {
    const v = kBase32.indexOf(c);
    if (v < 0) return null;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return bits < 5 && (buffer & ((1 << bits) - 1)) === 0 ? Uint8Array.from(out) : null;
}

function base45(textPart) {
  if (textPart.length % 3 === 1) return null;
  const out = [];
  for (let i = 0; i < textPart.length; i += 3) {
    const c = kBase45.indexOf(textPart[i]);
    const d = kBase45.indexOf(textPart[i + 1]);
    if (c < 0 || d < 0) return null;
    if (i + 2 < textPart.length) {
      const e = kBase45.indexOf(textPart[i + 2]);
      const n = c + d * 45 + e * 2025;
      if (e < 0 || n > 0xffff) return null;
      out.push(n >> 8, n & 0xff);
    } else {
      const n = c + d * 45;
      if (n > 0xff) return null;
      out.push(n);
    }
  }
  return Uint8Array.from(out);
}

const sha512Hex = (bytes) => hex(sha512(bytes)).toUpperCase();

// Joins parts given in any order, as JoinQrParts does in C++.
function joinParts(texts) {
  const byIndex = new Map();
  let count = 0;
  let keyId = '';
  for (const full of texts) {
    const h = parseHeader(full);
    if (!h) continue;
    if (count && (h.count !== count || h.keyId !== keyId)) {
      throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
    }
    count = h.count;
    keyId = h.keyId;
    const known = byIndex.get(h.index);
    if (known && known.text !== h.text) {
      throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
    }
    byIndex.set(h.index, h);
  }
  if (!count) throw new Refusal('none', t('No QR code of a protocol was found in the picture.'));
  const missing = [];
  for (let i = 1; i <= count; ++i) if (!byIndex.has(i)) missing.push(`${i}/${count}`);
  if (missing.length) {
    throw new Refusal('missing', `${t('Some QR codes of the protocol are missing.')} (${missing.join(', ')})`);
  }
  const chunks = [];
  for (let i = 1; i <= count; ++i) {
    const part = byIndex.get(i);
    if (i > 1 && part.previous !== sha512Hex(enc.encode(byIndex.get(i - 1).text))) {
      throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
    }
    const payload = part.text.slice(kHeaderChars);
    const bytes = part.version === 2 ? base32(payload) : base45(payload);
    if (!bytes) throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
    chunks.push(bytes);
  }
  const payload = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    payload.set(c, at);
    at += c.length;
  }
  if (sha512Hex(payload) !== byIndex.get(1).previous) {
    throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
  }
  return { payload, keyId };
}

// --- protobuf (only what the protocol needs) ---------------------------------------------------

function readFields(bytes) {
  const fields = [];
  let i = 0;
  const varint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= bytes.length) throw new Error('truncated');
      const b = bytes[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (i < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const type = key & 7;
    if (type === 0) fields.push({ field, value: varint() });
    else if (type === 2) {
      const n = Number(varint());
      if (i + n > bytes.length) throw new Error('truncated');
      fields.push({ field, bytes: bytes.subarray(i, i + n) });
      i += n;
    } else if (type === 1) i += 8;
    else if (type === 5) i += 4;
    else throw new Error('bad wire type');
  }
  return fields;
}

const dec = new TextDecoder();

function decodeProtocol(bytes) {
  const p = { lines: {}, contests: [] };
  const lineOf = { 10: 'L1', 11: 'L2', 12: 'L3', 13: 'L4', 14: 'L5', 15: 'L6', 16: 'L7', 17: 'L10', 18: 'L11' };
  for (const f of readFields(bytes)) {
    if (f.field === 1) p.election_id = dec.decode(f.bytes);
    else if (f.field === 3) p.precinct_id = dec.decode(f.bytes);
    else if (f.field === 4) p.reader_serial = dec.decode(f.bytes);
    else if (f.field === 5) p.revision = Number(f.value);
    else if (lineOf[f.field]) p.lines[lineOf[f.field]] = f.value;
    else if (f.field === 19) {
      const c = { options: [] };
      for (const g of readFields(f.bytes)) {
        if (g.field === 1) c.contest_id = dec.decode(g.bytes);
        else if (g.field === 3) c.L8 = g.value;
        else if (g.field === 4) c.L9 = g.value;
        else if (g.field === 5) {
          const o = { votes: 0n };
          for (const h of readFields(g.bytes)) {
            if (h.field === 1) o.option_id = dec.decode(h.bytes);
            else if (h.field === 2) o.votes = h.value;
          }
          c.options.push(o);
        }
      }
      p.contests.push(c);
    }
  }
  return p;
}

// --- the check -------------------------------------------------------------------------------

const kDomain = enc.encode('esep/precinct-protocol/v1\n');

function verify(texts) {
  const { payload, keyId } = joinParts(texts);
  let envelope;
  try {
    envelope = readFields(payload);
  } catch {
    throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
  }
  const get = (n) => (envelope.find((f) => f.field === n) || {}).bytes || new Uint8Array();
  const protocolBytes = get(1);
  const signature = get(2);
  const publicKey = get(3);
  if (hex(sha256(publicKey)).slice(0, 16) !== keyId) {
    throw new Refusal('chain', t('The chain of QR codes is broken: the codes come from different printings or one was changed.'));
  }
  const message = new Uint8Array(kDomain.length + protocolBytes.length);
  message.set(kDomain);
  message.set(protocolBytes, kDomain.length);
  if (signature.length !== 64 || !verifyEd25519(signature, message, publicKey)) {
    throw new Refusal('signature', t('The signature does not match the numbers: the protocol was changed after it was signed.'));
  }
  const protocol = decodeProtocol(protocolBytes);
  if (expectedPrecinct && protocol.precinct_id !== expectedPrecinct) {
    throw new Refusal('precinct', `${t('The protocol is not of this precinct.')} (${protocol.precinct_id} ≠ ${expectedPrecinct})`);
  }
  if (!(keys[protocol.precinct_id] || []).includes(hex(publicKey))) {
    throw new Refusal('key', t('The protocol is signed by a key that is not published for its precinct.'));
  }
  return { protocol, sha256: hex(sha256(protocolBytes)), publicKey: hex(publicKey) };
}

// --- showing it ------------------------------------------------------------------------------

const verdict = document.getElementById('verdict');
const status = document.getElementById('status');
const protocolBox = document.getElementById('protocol');

function refuse(e) {
  verdict.hidden = false;
  verdict.className = 'refused';
  verdict.dataset.code = e.code || 'error';
  verdict.textContent = `${t('REFUSED')}: ${e.message}`;
  protocolBox.replaceChildren();
}

async function show(result) {
  const { protocol } = result;
  verdict.hidden = false;
  verdict.className = 'proved';
  verdict.dataset.code = 'proved';
  verdict.dataset.precinct = protocol.precinct_id;
  verdict.textContent = t('PROVED: the reader of this precinct signed these numbers.');
  const names = text.names || {};
  let centre = null;
  try {
    const r = await fetch(`../data/${encodeURIComponent(protocol.precinct_id)}.json`, { cache: 'no-store' });
    if (r.ok) centre = await r.json();
  } catch {
    centre = null;
  }
  const same = centre && centre.protocol_sha256 === result.sha256;
  const head = el('tr', {}, el('th', {}, t('Line')), el('th', {}, t('Kyrgyz')), el('th', {}, t('Russian')),
    el('th', {}, t('Signed by the reader')), el('th', {}, t('Centre\'s copy')));
  const rows = [head];
  const row = (code, name, value) => {
    const n = name || {};
    rows.push(el('tr', { 'data-line': code }, el('td', {}, code), el('td', {}, n.ky || ''), el('td', {}, n.ru || ''),
      el('td', { class: 'num' }, String(value)),
      el('td', { class: `num${centre && !same ? ' differs' : ''}` }, centre ? (same ? String(value) : '≠') : '–')));
  };
  for (const [code, value] of Object.entries(protocol.lines)) row(code, (names.lines || {})[code], value);
  for (const c of protocol.contests) {
    row(`${c.contest_id} L8`, (names.lines || {}).L8, c.L8 ?? 0n);
    row(`${c.contest_id} L9`, (names.lines || {}).L9, c.L9 ?? 0n);
    for (const o of c.options) row(`${c.contest_id} ${o.option_id}`, (names.options || {})[`${c.contest_id}/${o.option_id}`], o.votes);
  }
  const note = centre
    ? t(same ? 'The centre publishes the same protocol.' : 'The centre publishes another revision or other numbers for this precinct.')
    : t('The centre\'s copy cannot be loaded (offline); the signature check above does not need it.');
  protocolBox.replaceChildren(
    el('p', {}, `${t('Precinct')} ${protocol.precinct_id}, ${t('Revision')} ${protocol.revision ?? ''}, ${t('Key')} ${result.publicKey.slice(0, 16)}`),
    el('p', { id: 'centre', 'data-same': String(!!same) }, note),
    el('table', { class: 'lines' }, ...rows));
}

async function check(texts) {
  try {
    await show(verify(texts));
  } catch (e) {
    refuse(e instanceof Refusal ? e : new Refusal('error', String(e.message || e)));
  }
}

async function readPhotos(files) {
  status.textContent = t('Reading the QR codes...');
  const texts = [];
  for (const file of files) {
    const results = await readBarcodes(file, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 16 });
    for (const r of results) if (r.isValid) texts.push(r.text);
  }
  status.textContent = '';
  return texts;
}

async function main() {
  document.documentElement.lang = lang;
  try {
    [text, keys] = await Promise.all([
      fetch('text.json').then((r) => r.json()),
      fetch('../keys.json').then((r) => r.json()),
    ]);
  } catch {
    // Without them the page still checks chains and signatures, and refuses unknown keys.
  }
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  document.title = t('Check a printed protocol');
  document.getElementById('home').href = `../${lang}/index.html`;
  const fromUrl = location.hash.length > 1 ? [location.href] : [];
  const photo = document.getElementById('photo');
  photo.addEventListener('change', async () => {
    await check([...fromUrl, ...(await readPhotos([...photo.files]))]);
    document.body.dataset.done = 'true';
  });
  document.getElementById('camera').addEventListener('click', async () => {
    const video = document.getElementById('video');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const canvas = document.createElement('canvas');
    const seen = new Set(fromUrl);
    for (;;) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(video, 0, 0);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      for (const r of await readBarcodes(frame, { formats: ['QRCode'], maxNumberOfSymbols: 16 })) {
        if (r.isValid) seen.add(r.text);
      }
      try {
        const result = verify([...seen]);
        stream.getTracks().forEach((track) => track.stop());
        video.hidden = true;
        await show(result);
        return;
      } catch (e) {
        if (!(e instanceof Refusal) || (e.code !== 'missing' && e.code !== 'none')) {
          stream.getTracks().forEach((track) => track.stop());
          refuse(e);
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  if (fromUrl.length) {
    const h = parseHeader(fromUrl[0]);
    if (h && h.count === 1) await check(fromUrl);
    else if (h) status.textContent = `${t('Some QR codes of the protocol are missing.')} (${h.index}/${h.count})`;
  }
  document.body.dataset.ready = 'true';
}

main();
