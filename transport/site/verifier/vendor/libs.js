// node_modules/@noble/ed25519/index.js
/*! noble-ed25519 - MIT License (c) 2019 Paul Miller (paulmillr.com) */
var ed25519_CURVE = {
  p: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffedn,
  n: 0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3edn,
  h: 8n,
  a: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffecn,
  d: 0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3n,
  Gx: 0x216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51an,
  Gy: 0x6666666666666666666666666666666666666666666666666666666666666658n
};
var { p: P, n: N, Gx, Gy, a: _a, d: _d, h } = ed25519_CURVE;
var L = 32;
var L2 = 64;
var captureTrace = (...args) => {
  if ("captureStackTrace" in Error && typeof Error.captureStackTrace === "function") {
    Error.captureStackTrace(...args);
  }
};
var err = (message = "") => {
  const e = new Error(message);
  captureTrace(e, err);
  throw e;
};
var isBig = (n) => typeof n === "bigint";
var isStr = (s) => typeof s === "string";
var isBytes = (a) => a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
var abytes = (value, length, title = "") => {
  const bytes = isBytes(value);
  const len = value?.length;
  const needsLen = length !== void 0;
  if (!bytes || needsLen && len !== length) {
    const prefix = title && `"${title}" `;
    const ofLen = needsLen ? ` of length ${length}` : "";
    const got = bytes ? `length=${len}` : `type=${typeof value}`;
    err(prefix + "expected Uint8Array" + ofLen + ", got " + got);
  }
  return value;
};
var u8n = (len) => new Uint8Array(len);
var u8fr = (buf) => Uint8Array.from(buf);
var padh = (n, pad) => n.toString(16).padStart(pad, "0");
var bytesToHex = (b2) => Array.from(abytes(b2)).map((e) => padh(e, 2)).join("");
var C = { _0: 48, _9: 57, A: 65, F: 70, a: 97, f: 102 };
var _ch = (ch) => {
  if (ch >= C._0 && ch <= C._9)
    return ch - C._0;
  if (ch >= C.A && ch <= C.F)
    return ch - (C.A - 10);
  if (ch >= C.a && ch <= C.f)
    return ch - (C.a - 10);
  return;
};
var hexToBytes = (hex) => {
  const e = "hex invalid";
  if (!isStr(hex))
    return err(e);
  const hl = hex.length;
  const al = hl / 2;
  if (hl % 2)
    return err(e);
  const array = u8n(al);
  for (let ai = 0, hi = 0; ai < al; ai++, hi += 2) {
    const n1 = _ch(hex.charCodeAt(hi));
    const n2 = _ch(hex.charCodeAt(hi + 1));
    if (n1 === void 0 || n2 === void 0)
      return err(e);
    array[ai] = n1 * 16 + n2;
  }
  return array;
};
var cr = () => globalThis?.crypto;
var subtle = () => cr()?.subtle ?? err("crypto.subtle must be defined, consider polyfill");
var concatBytes = (...arrs) => {
  const r = u8n(arrs.reduce((sum, a) => sum + abytes(a).length, 0));
  let pad = 0;
  arrs.forEach((a) => {
    r.set(a, pad);
    pad += a.length;
  });
  return r;
};
var big = BigInt;
var assertRange = (n, min, max, msg = "bad number: out of range") => isBig(n) && min <= n && n < max ? n : err(msg);
var M = (a, b2 = P) => {
  const r = a % b2;
  return r >= 0n ? r : b2 + r;
};
var modN = (a) => M(a, N);
var invert = (num, md) => {
  if (num === 0n || md <= 0n)
    err("no inverse n=" + num + " mod=" + md);
  let a = M(num, md), b2 = md, x2 = 0n, y2 = 1n, u2 = 1n, v2 = 0n;
  while (a !== 0n) {
    const q = b2 / a, r = b2 % a;
    const m2 = x2 - u2 * q, n = y2 - v2 * q;
    b2 = a, a = r, x2 = u2, y2 = v2, u2 = m2, v2 = n;
  }
  return b2 === 1n ? M(x2, md) : err("no inverse");
};
var callHash = (name) => {
  const fn = hashes[name];
  if (typeof fn !== "function")
    err("hashes." + name + " not set");
  return fn;
};
var apoint = (p2) => p2 instanceof Point ? p2 : err("Point expected");
var B256 = 2n ** 256n;
var Point = class _Point {
  static BASE;
  static ZERO;
  X;
  Y;
  Z;
  T;
  constructor(X, Y, Z2, T2) {
    const max = B256;
    this.X = assertRange(X, 0n, max);
    this.Y = assertRange(Y, 0n, max);
    this.Z = assertRange(Z2, 1n, max);
    this.T = assertRange(T2, 0n, max);
    Object.freeze(this);
  }
  static CURVE() {
    return ed25519_CURVE;
  }
  static fromAffine(p2) {
    return new _Point(p2.x, p2.y, 1n, M(p2.x * p2.y));
  }
  /** RFC8032 5.1.3: Uint8Array to Point. */
  static fromBytes(hex, zip215 = false) {
    const d = _d;
    const normed = u8fr(abytes(hex, L));
    const lastByte = hex[31];
    normed[31] = lastByte & ~128;
    const y2 = bytesToNumLE(normed);
    const max = zip215 ? B256 : P;
    assertRange(y2, 0n, max);
    const y22 = M(y2 * y2);
    const u2 = M(y22 - 1n);
    const v2 = M(d * y22 + 1n);
    let { isValid, value: x2 } = uvRatio(u2, v2);
    if (!isValid)
      err("bad point: y not sqrt");
    const isXOdd = (x2 & 1n) === 1n;
    const isLastByteOdd = (lastByte & 128) !== 0;
    if (!zip215 && x2 === 0n && isLastByteOdd)
      err("bad point: x==0, isLastByteOdd");
    if (isLastByteOdd !== isXOdd)
      x2 = M(-x2);
    return new _Point(x2, y2, 1n, M(x2 * y2));
  }
  static fromHex(hex, zip215) {
    return _Point.fromBytes(hexToBytes(hex), zip215);
  }
  get x() {
    return this.toAffine().x;
  }
  get y() {
    return this.toAffine().y;
  }
  /** Checks if the point is valid and on-curve. */
  assertValidity() {
    const a = _a;
    const d = _d;
    const p2 = this;
    if (p2.is0())
      return err("bad point: ZERO");
    const { X, Y, Z: Z2, T: T2 } = p2;
    const X2 = M(X * X);
    const Y2 = M(Y * Y);
    const Z22 = M(Z2 * Z2);
    const Z4 = M(Z22 * Z22);
    const aX2 = M(X2 * a);
    const left = M(Z22 * M(aX2 + Y2));
    const right = M(Z4 + M(d * M(X2 * Y2)));
    if (left !== right)
      return err("bad point: equation left != right (1)");
    const XY = M(X * Y);
    const ZT = M(Z2 * T2);
    if (XY !== ZT)
      return err("bad point: equation left != right (2)");
    return this;
  }
  /** Equality check: compare points P&Q. */
  equals(other) {
    const { X: X1, Y: Y1, Z: Z1 } = this;
    const { X: X2, Y: Y2, Z: Z2 } = apoint(other);
    const X1Z2 = M(X1 * Z2);
    const X2Z1 = M(X2 * Z1);
    const Y1Z2 = M(Y1 * Z2);
    const Y2Z1 = M(Y2 * Z1);
    return X1Z2 === X2Z1 && Y1Z2 === Y2Z1;
  }
  is0() {
    return this.equals(I);
  }
  /** Flip point over y coordinate. */
  negate() {
    return new _Point(M(-this.X), this.Y, this.Z, M(-this.T));
  }
  /** Point doubling. Complete formula. Cost: `4M + 4S + 1*a + 6add + 1*2`. */
  double() {
    const { X: X1, Y: Y1, Z: Z1 } = this;
    const a = _a;
    const A2 = M(X1 * X1);
    const B2 = M(Y1 * Y1);
    const C2 = M(2n * M(Z1 * Z1));
    const D2 = M(a * A2);
    const x1y1 = X1 + Y1;
    const E2 = M(M(x1y1 * x1y1) - A2 - B2);
    const G3 = D2 + B2;
    const F2 = G3 - C2;
    const H2 = D2 - B2;
    const X3 = M(E2 * F2);
    const Y3 = M(G3 * H2);
    const T3 = M(E2 * H2);
    const Z3 = M(F2 * G3);
    return new _Point(X3, Y3, Z3, T3);
  }
  /** Point addition. Complete formula. Cost: `8M + 1*k + 8add + 1*2`. */
  add(other) {
    const { X: X1, Y: Y1, Z: Z1, T: T1 } = this;
    const { X: X2, Y: Y2, Z: Z2, T: T2 } = apoint(other);
    const a = _a;
    const d = _d;
    const A2 = M(X1 * X2);
    const B2 = M(Y1 * Y2);
    const C2 = M(T1 * d * T2);
    const D2 = M(Z1 * Z2);
    const E2 = M((X1 + Y1) * (X2 + Y2) - A2 - B2);
    const F2 = M(D2 - C2);
    const G3 = M(D2 + C2);
    const H2 = M(B2 - a * A2);
    const X3 = M(E2 * F2);
    const Y3 = M(G3 * H2);
    const T3 = M(E2 * H2);
    const Z3 = M(F2 * G3);
    return new _Point(X3, Y3, Z3, T3);
  }
  subtract(other) {
    return this.add(apoint(other).negate());
  }
  /**
   * Point-by-scalar multiplication. Scalar must be in range 1 <= n < CURVE.n.
   * Uses {@link wNAF} for base point.
   * Uses fake point to mitigate side-channel leakage.
   * @param n scalar by which point is multiplied
   * @param safe safe mode guards against timing attacks; unsafe mode is faster
   */
  multiply(n, safe = true) {
    if (!safe && (n === 0n || this.is0()))
      return I;
    assertRange(n, 1n, N);
    if (n === 1n)
      return this;
    if (this.equals(G))
      return wNAF(n).p;
    let p2 = I;
    let f2 = G;
    for (let d = this; n > 0n; d = d.double(), n >>= 1n) {
      if (n & 1n)
        p2 = p2.add(d);
      else if (safe)
        f2 = f2.add(d);
    }
    return p2;
  }
  multiplyUnsafe(scalar) {
    return this.multiply(scalar, false);
  }
  /** Convert point to 2d xy affine point. (X, Y, Z) ∋ (x=X/Z, y=Y/Z) */
  toAffine() {
    const { X, Y, Z: Z2 } = this;
    if (this.equals(I))
      return { x: 0n, y: 1n };
    const iz = invert(Z2, P);
    if (M(Z2 * iz) !== 1n)
      err("invalid inverse");
    const x2 = M(X * iz);
    const y2 = M(Y * iz);
    return { x: x2, y: y2 };
  }
  toBytes() {
    const { x: x2, y: y2 } = this.assertValidity().toAffine();
    const b2 = numTo32bLE(y2);
    b2[31] |= x2 & 1n ? 128 : 0;
    return b2;
  }
  toHex() {
    return bytesToHex(this.toBytes());
  }
  clearCofactor() {
    return this.multiply(big(h), false);
  }
  isSmallOrder() {
    return this.clearCofactor().is0();
  }
  isTorsionFree() {
    let p2 = this.multiply(N / 2n, false).double();
    if (N % 2n)
      p2 = p2.add(this);
    return p2.is0();
  }
};
var G = new Point(Gx, Gy, 1n, M(Gx * Gy));
var I = new Point(0n, 1n, 1n, 0n);
Point.BASE = G;
Point.ZERO = I;
var numTo32bLE = (num) => hexToBytes(padh(assertRange(num, 0n, B256), L2)).reverse();
var bytesToNumLE = (b2) => big("0x" + bytesToHex(u8fr(abytes(b2)).reverse()));
var pow2 = (x2, power) => {
  let r = x2;
  while (power-- > 0n) {
    r *= r;
    r %= P;
  }
  return r;
};
var pow_2_252_3 = (x2) => {
  const x22 = x2 * x2 % P;
  const b2 = x22 * x2 % P;
  const b4 = pow2(b2, 2n) * b2 % P;
  const b5 = pow2(b4, 1n) * x2 % P;
  const b10 = pow2(b5, 5n) * b5 % P;
  const b20 = pow2(b10, 10n) * b10 % P;
  const b40 = pow2(b20, 20n) * b20 % P;
  const b80 = pow2(b40, 40n) * b40 % P;
  const b160 = pow2(b80, 80n) * b80 % P;
  const b240 = pow2(b160, 80n) * b80 % P;
  const b250 = pow2(b240, 10n) * b10 % P;
  const pow_p_5_8 = pow2(b250, 2n) * x2 % P;
  return { pow_p_5_8, b2 };
};
var RM1 = 0x2b8324804fc1df0b2b4d00993dfbd7a72f431806ad2fe478c4ee1b274a0ea0b0n;
var uvRatio = (u2, v2) => {
  const v3 = M(v2 * v2 * v2);
  const v7 = M(v3 * v3 * v2);
  const pow = pow_2_252_3(u2 * v7).pow_p_5_8;
  let x2 = M(u2 * v3 * pow);
  const vx2 = M(v2 * x2 * x2);
  const root1 = x2;
  const root2 = M(x2 * RM1);
  const useRoot1 = vx2 === u2;
  const useRoot2 = vx2 === M(-u2);
  const noRoot = vx2 === M(-u2 * RM1);
  if (useRoot1)
    x2 = root1;
  if (useRoot2 || noRoot)
    x2 = root2;
  if ((M(x2) & 1n) === 1n)
    x2 = M(-x2);
  return { isValid: useRoot1 || useRoot2, value: x2 };
};
var modL_LE = (hash) => modN(bytesToNumLE(hash));
var sha512s = (...m2) => callHash("sha512")(concatBytes(...m2));
var hashFinishS = (res) => res.finish(sha512s(res.hashable));
var defaultVerifyOpts = { zip215: true };
var _verify = (sig, msg, pub, opts = defaultVerifyOpts) => {
  sig = abytes(sig, L2);
  msg = abytes(msg);
  pub = abytes(pub, L);
  const { zip215 } = opts;
  let A2;
  let R2;
  let s;
  let SB;
  let hashable = Uint8Array.of();
  try {
    A2 = Point.fromBytes(pub, zip215);
    R2 = Point.fromBytes(sig.slice(0, L), zip215);
    s = bytesToNumLE(sig.slice(L, L2));
    SB = G.multiply(s, false);
    hashable = concatBytes(R2.toBytes(), A2.toBytes(), msg);
  } catch (error) {
  }
  const finish = (hashed) => {
    if (SB == null)
      return false;
    if (!zip215 && A2.isSmallOrder())
      return false;
    const k = modL_LE(hashed);
    const RkA = R2.add(A2.multiply(k, false));
    return RkA.add(SB.negate()).clearCofactor().is0();
  };
  return { hashable, finish };
};
var verify = (signature, message, publicKey, opts = defaultVerifyOpts) => hashFinishS(_verify(signature, message, publicKey, opts));
var hashes = {
  sha512Async: async (message) => {
    const s = subtle();
    const m2 = concatBytes(message);
    return u8n(await s.digest("SHA-512", m2.buffer));
  },
  sha512: void 0
};
var W = 8;
var scalarBits = 256;
var pwindows = Math.ceil(scalarBits / W) + 1;
var pwindowSize = 2 ** (W - 1);
var precompute = () => {
  const points = [];
  let p2 = G;
  let b2 = p2;
  for (let w2 = 0; w2 < pwindows; w2++) {
    b2 = p2;
    points.push(b2);
    for (let i = 1; i < pwindowSize; i++) {
      b2 = b2.add(p2);
      points.push(b2);
    }
    p2 = b2.double();
  }
  return points;
};
var Gpows = void 0;
var ctneg = (cnd, p2) => {
  const n = p2.negate();
  return cnd ? n : p2;
};
var wNAF = (n) => {
  const comp = Gpows || (Gpows = precompute());
  let p2 = I;
  let f2 = G;
  const pow_2_w = 2 ** W;
  const maxNum = pow_2_w;
  const mask = big(pow_2_w - 1);
  const shiftBy = big(W);
  for (let w2 = 0; w2 < pwindows; w2++) {
    let wbits = Number(n & mask);
    n >>= shiftBy;
    if (wbits > pwindowSize) {
      wbits -= maxNum;
      n += 1n;
    }
    const off = w2 * pwindowSize;
    const offF = off;
    const offP = off + Math.abs(wbits) - 1;
    const isEven = w2 % 2 !== 0;
    const isNeg = wbits < 0;
    if (wbits === 0) {
      f2 = f2.add(ctneg(isEven, comp[offF]));
    } else {
      p2 = p2.add(ctneg(isNeg, comp[offP]));
    }
  }
  if (n !== 0n)
    err("invalid wnaf");
  return { p: p2, f: f2 };
};

// node_modules/@noble/hashes/utils.js
/*! noble-hashes - MIT License (c) 2022 Paul Miller (paulmillr.com) */
function isBytes2(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function abytes2(value, length, title = "") {
  const bytes = isBytes2(value);
  const len = value?.length;
  const needsLen = length !== void 0;
  if (!bytes || needsLen && len !== length) {
    const prefix = title && `"${title}" `;
    const ofLen = needsLen ? ` of length ${length}` : "";
    const got = bytes ? `length=${len}` : `type=${typeof value}`;
    throw new Error(prefix + "expected Uint8Array" + ofLen + ", got " + got);
  }
  return value;
}
function aexists(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("Hash instance has been destroyed");
  if (checkFinished && instance.finished)
    throw new Error("Hash#digest() has already been called");
}
function aoutput(out, instance) {
  abytes2(out, void 0, "digestInto() output");
  const min = instance.outputLen;
  if (out.length < min) {
    throw new Error('"digestInto() output" expected to be of length >=' + min);
  }
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
function createView(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function rotr(word, shift) {
  return word << 32 - shift | word >>> shift;
}
function createHasher(hashCons, info = {}) {
  const hashC = (msg, opts) => hashCons(opts).update(msg).digest();
  const tmp = hashCons(void 0);
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.create = (opts) => hashCons(opts);
  Object.assign(hashC, info);
  return Object.freeze(hashC);
}
var oidNist = (suffix) => ({
  oid: Uint8Array.from([6, 9, 96, 134, 72, 1, 101, 3, 4, 2, suffix])
});

// node_modules/@noble/hashes/_md.js
function Chi(a, b2, c) {
  return a & b2 ^ ~a & c;
}
function Maj(a, b2, c) {
  return a & b2 ^ a & c ^ b2 & c;
}
var HashMD = class {
  blockLen;
  outputLen;
  padOffset;
  isLE;
  // For partial updates less than block size
  buffer;
  view;
  finished = false;
  length = 0;
  pos = 0;
  destroyed = false;
  constructor(blockLen, outputLen, padOffset, isLE) {
    this.blockLen = blockLen;
    this.outputLen = outputLen;
    this.padOffset = padOffset;
    this.isLE = isLE;
    this.buffer = new Uint8Array(blockLen);
    this.view = createView(this.buffer);
  }
  update(data) {
    aexists(this);
    abytes2(data);
    const { view, buffer, blockLen } = this;
    const len = data.length;
    for (let pos = 0; pos < len; ) {
      const take = Math.min(blockLen - this.pos, len - pos);
      if (take === blockLen) {
        const dataView = createView(data);
        for (; blockLen <= len - pos; pos += blockLen)
          this.process(dataView, pos);
        continue;
      }
      buffer.set(data.subarray(pos, pos + take), this.pos);
      this.pos += take;
      pos += take;
      if (this.pos === blockLen) {
        this.process(view, 0);
        this.pos = 0;
      }
    }
    this.length += data.length;
    this.roundClean();
    return this;
  }
  digestInto(out) {
    aexists(this);
    aoutput(out, this);
    this.finished = true;
    const { buffer, view, blockLen, isLE } = this;
    let { pos } = this;
    buffer[pos++] = 128;
    clean(this.buffer.subarray(pos));
    if (this.padOffset > blockLen - pos) {
      this.process(view, 0);
      pos = 0;
    }
    for (let i = pos; i < blockLen; i++)
      buffer[i] = 0;
    view.setBigUint64(blockLen - 8, BigInt(this.length * 8), isLE);
    this.process(view, 0);
    const oview = createView(out);
    const len = this.outputLen;
    if (len % 4)
      throw new Error("_sha2: outputLen must be aligned to 32bit");
    const outLen = len / 4;
    const state = this.get();
    if (outLen > state.length)
      throw new Error("_sha2: outputLen bigger than state");
    for (let i = 0; i < outLen; i++)
      oview.setUint32(4 * i, state[i], isLE);
  }
  digest() {
    const { buffer, outputLen } = this;
    this.digestInto(buffer);
    const res = buffer.slice(0, outputLen);
    this.destroy();
    return res;
  }
  _cloneInto(to) {
    to ||= new this.constructor();
    to.set(...this.get());
    const { blockLen, buffer, length, finished, destroyed, pos } = this;
    to.destroyed = destroyed;
    to.finished = finished;
    to.length = length;
    to.pos = pos;
    if (length % blockLen)
      to.buffer.set(buffer);
    return to;
  }
  clone() {
    return this._cloneInto();
  }
};
var SHA256_IV = /* @__PURE__ */ Uint32Array.from([
  1779033703,
  3144134277,
  1013904242,
  2773480762,
  1359893119,
  2600822924,
  528734635,
  1541459225
]);
var SHA512_IV = /* @__PURE__ */ Uint32Array.from([
  1779033703,
  4089235720,
  3144134277,
  2227873595,
  1013904242,
  4271175723,
  2773480762,
  1595750129,
  1359893119,
  2917565137,
  2600822924,
  725511199,
  528734635,
  4215389547,
  1541459225,
  327033209
]);

// node_modules/@noble/hashes/_u64.js
var U32_MASK64 = /* @__PURE__ */ BigInt(2 ** 32 - 1);
var _32n = /* @__PURE__ */ BigInt(32);
function fromBig(n, le = false) {
  if (le)
    return { h: Number(n & U32_MASK64), l: Number(n >> _32n & U32_MASK64) };
  return { h: Number(n >> _32n & U32_MASK64) | 0, l: Number(n & U32_MASK64) | 0 };
}
function split(lst, le = false) {
  const len = lst.length;
  let Ah = new Uint32Array(len);
  let Al = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const { h: h3, l: l2 } = fromBig(lst[i], le);
    [Ah[i], Al[i]] = [h3, l2];
  }
  return [Ah, Al];
}
var shrSH = (h3, _l, s) => h3 >>> s;
var shrSL = (h3, l2, s) => h3 << 32 - s | l2 >>> s;
var rotrSH = (h3, l2, s) => h3 >>> s | l2 << 32 - s;
var rotrSL = (h3, l2, s) => h3 << 32 - s | l2 >>> s;
var rotrBH = (h3, l2, s) => h3 << 64 - s | l2 >>> s - 32;
var rotrBL = (h3, l2, s) => h3 >>> s - 32 | l2 << 64 - s;
function add(Ah, Al, Bh, Bl) {
  const l2 = (Al >>> 0) + (Bl >>> 0);
  return { h: Ah + Bh + (l2 / 2 ** 32 | 0) | 0, l: l2 | 0 };
}
var add3L = (Al, Bl, Cl) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0);
var add3H = (low, Ah, Bh, Ch) => Ah + Bh + Ch + (low / 2 ** 32 | 0) | 0;
var add4L = (Al, Bl, Cl, Dl) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0) + (Dl >>> 0);
var add4H = (low, Ah, Bh, Ch, Dh) => Ah + Bh + Ch + Dh + (low / 2 ** 32 | 0) | 0;
var add5L = (Al, Bl, Cl, Dl, El) => (Al >>> 0) + (Bl >>> 0) + (Cl >>> 0) + (Dl >>> 0) + (El >>> 0);
var add5H = (low, Ah, Bh, Ch, Dh, Eh) => Ah + Bh + Ch + Dh + Eh + (low / 2 ** 32 | 0) | 0;

// node_modules/@noble/hashes/sha2.js
var SHA256_K = /* @__PURE__ */ Uint32Array.from([
  1116352408,
  1899447441,
  3049323471,
  3921009573,
  961987163,
  1508970993,
  2453635748,
  2870763221,
  3624381080,
  310598401,
  607225278,
  1426881987,
  1925078388,
  2162078206,
  2614888103,
  3248222580,
  3835390401,
  4022224774,
  264347078,
  604807628,
  770255983,
  1249150122,
  1555081692,
  1996064986,
  2554220882,
  2821834349,
  2952996808,
  3210313671,
  3336571891,
  3584528711,
  113926993,
  338241895,
  666307205,
  773529912,
  1294757372,
  1396182291,
  1695183700,
  1986661051,
  2177026350,
  2456956037,
  2730485921,
  2820302411,
  3259730800,
  3345764771,
  3516065817,
  3600352804,
  4094571909,
  275423344,
  430227734,
  506948616,
  659060556,
  883997877,
  958139571,
  1322822218,
  1537002063,
  1747873779,
  1955562222,
  2024104815,
  2227730452,
  2361852424,
  2428436474,
  2756734187,
  3204031479,
  3329325298
]);
var SHA256_W = /* @__PURE__ */ new Uint32Array(64);
var SHA2_32B = class extends HashMD {
  constructor(outputLen) {
    super(64, outputLen, 8, false);
  }
  get() {
    const { A: A2, B: B2, C: C2, D: D2, E: E2, F: F2, G: G3, H: H2 } = this;
    return [A2, B2, C2, D2, E2, F2, G3, H2];
  }
  // prettier-ignore
  set(A2, B2, C2, D2, E2, F2, G3, H2) {
    this.A = A2 | 0;
    this.B = B2 | 0;
    this.C = C2 | 0;
    this.D = D2 | 0;
    this.E = E2 | 0;
    this.F = F2 | 0;
    this.G = G3 | 0;
    this.H = H2 | 0;
  }
  process(view, offset) {
    for (let i = 0; i < 16; i++, offset += 4)
      SHA256_W[i] = view.getUint32(offset, false);
    for (let i = 16; i < 64; i++) {
      const W15 = SHA256_W[i - 15];
      const W22 = SHA256_W[i - 2];
      const s0 = rotr(W15, 7) ^ rotr(W15, 18) ^ W15 >>> 3;
      const s1 = rotr(W22, 17) ^ rotr(W22, 19) ^ W22 >>> 10;
      SHA256_W[i] = s1 + SHA256_W[i - 7] + s0 + SHA256_W[i - 16] | 0;
    }
    let { A: A2, B: B2, C: C2, D: D2, E: E2, F: F2, G: G3, H: H2 } = this;
    for (let i = 0; i < 64; i++) {
      const sigma1 = rotr(E2, 6) ^ rotr(E2, 11) ^ rotr(E2, 25);
      const T1 = H2 + sigma1 + Chi(E2, F2, G3) + SHA256_K[i] + SHA256_W[i] | 0;
      const sigma0 = rotr(A2, 2) ^ rotr(A2, 13) ^ rotr(A2, 22);
      const T2 = sigma0 + Maj(A2, B2, C2) | 0;
      H2 = G3;
      G3 = F2;
      F2 = E2;
      E2 = D2 + T1 | 0;
      D2 = C2;
      C2 = B2;
      B2 = A2;
      A2 = T1 + T2 | 0;
    }
    A2 = A2 + this.A | 0;
    B2 = B2 + this.B | 0;
    C2 = C2 + this.C | 0;
    D2 = D2 + this.D | 0;
    E2 = E2 + this.E | 0;
    F2 = F2 + this.F | 0;
    G3 = G3 + this.G | 0;
    H2 = H2 + this.H | 0;
    this.set(A2, B2, C2, D2, E2, F2, G3, H2);
  }
  roundClean() {
    clean(SHA256_W);
  }
  destroy() {
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
    clean(this.buffer);
  }
};
var _SHA256 = class extends SHA2_32B {
  // We cannot use array here since array allows indexing by variable
  // which means optimizer/compiler cannot use registers.
  A = SHA256_IV[0] | 0;
  B = SHA256_IV[1] | 0;
  C = SHA256_IV[2] | 0;
  D = SHA256_IV[3] | 0;
  E = SHA256_IV[4] | 0;
  F = SHA256_IV[5] | 0;
  G = SHA256_IV[6] | 0;
  H = SHA256_IV[7] | 0;
  constructor() {
    super(32);
  }
};
var K512 = /* @__PURE__ */ (() => split([
  "0x428a2f98d728ae22",
  "0x7137449123ef65cd",
  "0xb5c0fbcfec4d3b2f",
  "0xe9b5dba58189dbbc",
  "0x3956c25bf348b538",
  "0x59f111f1b605d019",
  "0x923f82a4af194f9b",
  "0xab1c5ed5da6d8118",
  "0xd807aa98a3030242",
  "0x12835b0145706fbe",
  "0x243185be4ee4b28c",
  "0x550c7dc3d5ffb4e2",
  "0x72be5d74f27b896f",
  "0x80deb1fe3b1696b1",
  "0x9bdc06a725c71235",
  "0xc19bf174cf692694",
  "0xe49b69c19ef14ad2",
  "0xefbe4786384f25e3",
  "0x0fc19dc68b8cd5b5",
  "0x240ca1cc77ac9c65",
  "0x2de92c6f592b0275",
  "0x4a7484aa6ea6e483",
  "0x5cb0a9dcbd41fbd4",
  "0x76f988da831153b5",
  "0x983e5152ee66dfab",
  "0xa831c66d2db43210",
  "0xb00327c898fb213f",
  "0xbf597fc7beef0ee4",
  "0xc6e00bf33da88fc2",
  "0xd5a79147930aa725",
  "0x06ca6351e003826f",
  "0x142929670a0e6e70",
  "0x27b70a8546d22ffc",
  "0x2e1b21385c26c926",
  "0x4d2c6dfc5ac42aed",
  "0x53380d139d95b3df",
  "0x650a73548baf63de",
  "0x766a0abb3c77b2a8",
  "0x81c2c92e47edaee6",
  "0x92722c851482353b",
  "0xa2bfe8a14cf10364",
  "0xa81a664bbc423001",
  "0xc24b8b70d0f89791",
  "0xc76c51a30654be30",
  "0xd192e819d6ef5218",
  "0xd69906245565a910",
  "0xf40e35855771202a",
  "0x106aa07032bbd1b8",
  "0x19a4c116b8d2d0c8",
  "0x1e376c085141ab53",
  "0x2748774cdf8eeb99",
  "0x34b0bcb5e19b48a8",
  "0x391c0cb3c5c95a63",
  "0x4ed8aa4ae3418acb",
  "0x5b9cca4f7763e373",
  "0x682e6ff3d6b2b8a3",
  "0x748f82ee5defb2fc",
  "0x78a5636f43172f60",
  "0x84c87814a1f0ab72",
  "0x8cc702081a6439ec",
  "0x90befffa23631e28",
  "0xa4506cebde82bde9",
  "0xbef9a3f7b2c67915",
  "0xc67178f2e372532b",
  "0xca273eceea26619c",
  "0xd186b8c721c0c207",
  "0xeada7dd6cde0eb1e",
  "0xf57d4f7fee6ed178",
  "0x06f067aa72176fba",
  "0x0a637dc5a2c898a6",
  "0x113f9804bef90dae",
  "0x1b710b35131c471b",
  "0x28db77f523047d84",
  "0x32caab7b40c72493",
  "0x3c9ebe0a15c9bebc",
  "0x431d67c49c100d4c",
  "0x4cc5d4becb3e42b6",
  "0x597f299cfc657e2a",
  "0x5fcb6fab3ad6faec",
  "0x6c44198c4a475817"
].map((n) => BigInt(n))))();
var SHA512_Kh = /* @__PURE__ */ (() => K512[0])();
var SHA512_Kl = /* @__PURE__ */ (() => K512[1])();
var SHA512_W_H = /* @__PURE__ */ new Uint32Array(80);
var SHA512_W_L = /* @__PURE__ */ new Uint32Array(80);
var SHA2_64B = class extends HashMD {
  constructor(outputLen) {
    super(128, outputLen, 16, false);
  }
  // prettier-ignore
  get() {
    const { Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl } = this;
    return [Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl];
  }
  // prettier-ignore
  set(Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl) {
    this.Ah = Ah | 0;
    this.Al = Al | 0;
    this.Bh = Bh | 0;
    this.Bl = Bl | 0;
    this.Ch = Ch | 0;
    this.Cl = Cl | 0;
    this.Dh = Dh | 0;
    this.Dl = Dl | 0;
    this.Eh = Eh | 0;
    this.El = El | 0;
    this.Fh = Fh | 0;
    this.Fl = Fl | 0;
    this.Gh = Gh | 0;
    this.Gl = Gl | 0;
    this.Hh = Hh | 0;
    this.Hl = Hl | 0;
  }
  process(view, offset) {
    for (let i = 0; i < 16; i++, offset += 4) {
      SHA512_W_H[i] = view.getUint32(offset);
      SHA512_W_L[i] = view.getUint32(offset += 4);
    }
    for (let i = 16; i < 80; i++) {
      const W15h = SHA512_W_H[i - 15] | 0;
      const W15l = SHA512_W_L[i - 15] | 0;
      const s0h = rotrSH(W15h, W15l, 1) ^ rotrSH(W15h, W15l, 8) ^ shrSH(W15h, W15l, 7);
      const s0l = rotrSL(W15h, W15l, 1) ^ rotrSL(W15h, W15l, 8) ^ shrSL(W15h, W15l, 7);
      const W2h = SHA512_W_H[i - 2] | 0;
      const W2l = SHA512_W_L[i - 2] | 0;
      const s1h = rotrSH(W2h, W2l, 19) ^ rotrBH(W2h, W2l, 61) ^ shrSH(W2h, W2l, 6);
      const s1l = rotrSL(W2h, W2l, 19) ^ rotrBL(W2h, W2l, 61) ^ shrSL(W2h, W2l, 6);
      const SUMl = add4L(s0l, s1l, SHA512_W_L[i - 7], SHA512_W_L[i - 16]);
      const SUMh = add4H(SUMl, s0h, s1h, SHA512_W_H[i - 7], SHA512_W_H[i - 16]);
      SHA512_W_H[i] = SUMh | 0;
      SHA512_W_L[i] = SUMl | 0;
    }
    let { Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl } = this;
    for (let i = 0; i < 80; i++) {
      const sigma1h = rotrSH(Eh, El, 14) ^ rotrSH(Eh, El, 18) ^ rotrBH(Eh, El, 41);
      const sigma1l = rotrSL(Eh, El, 14) ^ rotrSL(Eh, El, 18) ^ rotrBL(Eh, El, 41);
      const CHIh = Eh & Fh ^ ~Eh & Gh;
      const CHIl = El & Fl ^ ~El & Gl;
      const T1ll = add5L(Hl, sigma1l, CHIl, SHA512_Kl[i], SHA512_W_L[i]);
      const T1h = add5H(T1ll, Hh, sigma1h, CHIh, SHA512_Kh[i], SHA512_W_H[i]);
      const T1l = T1ll | 0;
      const sigma0h = rotrSH(Ah, Al, 28) ^ rotrBH(Ah, Al, 34) ^ rotrBH(Ah, Al, 39);
      const sigma0l = rotrSL(Ah, Al, 28) ^ rotrBL(Ah, Al, 34) ^ rotrBL(Ah, Al, 39);
      const MAJh = Ah & Bh ^ Ah & Ch ^ Bh & Ch;
      const MAJl = Al & Bl ^ Al & Cl ^ Bl & Cl;
      Hh = Gh | 0;
      Hl = Gl | 0;
      Gh = Fh | 0;
      Gl = Fl | 0;
      Fh = Eh | 0;
      Fl = El | 0;
      ({ h: Eh, l: El } = add(Dh | 0, Dl | 0, T1h | 0, T1l | 0));
      Dh = Ch | 0;
      Dl = Cl | 0;
      Ch = Bh | 0;
      Cl = Bl | 0;
      Bh = Ah | 0;
      Bl = Al | 0;
      const All = add3L(T1l, sigma0l, MAJl);
      Ah = add3H(All, T1h, sigma0h, MAJh);
      Al = All | 0;
    }
    ({ h: Ah, l: Al } = add(this.Ah | 0, this.Al | 0, Ah | 0, Al | 0));
    ({ h: Bh, l: Bl } = add(this.Bh | 0, this.Bl | 0, Bh | 0, Bl | 0));
    ({ h: Ch, l: Cl } = add(this.Ch | 0, this.Cl | 0, Ch | 0, Cl | 0));
    ({ h: Dh, l: Dl } = add(this.Dh | 0, this.Dl | 0, Dh | 0, Dl | 0));
    ({ h: Eh, l: El } = add(this.Eh | 0, this.El | 0, Eh | 0, El | 0));
    ({ h: Fh, l: Fl } = add(this.Fh | 0, this.Fl | 0, Fh | 0, Fl | 0));
    ({ h: Gh, l: Gl } = add(this.Gh | 0, this.Gl | 0, Gh | 0, Gl | 0));
    ({ h: Hh, l: Hl } = add(this.Hh | 0, this.Hl | 0, Hh | 0, Hl | 0));
    this.set(Ah, Al, Bh, Bl, Ch, Cl, Dh, Dl, Eh, El, Fh, Fl, Gh, Gl, Hh, Hl);
  }
  roundClean() {
    clean(SHA512_W_H, SHA512_W_L);
  }
  destroy() {
    clean(this.buffer);
    this.set(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
};
var _SHA512 = class extends SHA2_64B {
  Ah = SHA512_IV[0] | 0;
  Al = SHA512_IV[1] | 0;
  Bh = SHA512_IV[2] | 0;
  Bl = SHA512_IV[3] | 0;
  Ch = SHA512_IV[4] | 0;
  Cl = SHA512_IV[5] | 0;
  Dh = SHA512_IV[6] | 0;
  Dl = SHA512_IV[7] | 0;
  Eh = SHA512_IV[8] | 0;
  El = SHA512_IV[9] | 0;
  Fh = SHA512_IV[10] | 0;
  Fl = SHA512_IV[11] | 0;
  Gh = SHA512_IV[12] | 0;
  Gl = SHA512_IV[13] | 0;
  Hh = SHA512_IV[14] | 0;
  Hl = SHA512_IV[15] | 0;
  constructor() {
    super(64);
  }
};
var sha256 = /* @__PURE__ */ createHasher(
  () => new _SHA256(),
  /* @__PURE__ */ oidNist(1)
);
var sha512 = /* @__PURE__ */ createHasher(
  () => new _SHA512(),
  /* @__PURE__ */ oidNist(3)
);

// node_modules/zxing-wasm/dist/es/share.js
var m = [
  ["Aztec", "M"],
  ["Codabar", "L"],
  ["Code39", "L"],
  ["Code93", "L"],
  ["Code128", "L"],
  ["DataBar", "L"],
  ["DataBarExpanded", "L"],
  ["DataMatrix", "M"],
  ["EAN-8", "L"],
  ["EAN-13", "L"],
  ["ITF", "L"],
  ["MaxiCode", "M"],
  ["PDF417", "M"],
  ["QRCode", "M"],
  ["UPC-A", "L"],
  ["UPC-E", "L"],
  ["MicroQRCode", "M"],
  ["rMQRCode", "M"],
  ["DXFilmEdge", "L"],
  ["DataBarLimited", "L"]
];
var O = m.map(([e]) => e);
var b = O.filter(
  (e, t) => m[t][1] === "L"
);
var L3 = O.filter(
  (e, t) => m[t][1] === "M"
);
function l(e) {
  switch (e) {
    case "Linear-Codes":
      return b.reduce((t, r) => t | l(r), 0);
    case "Matrix-Codes":
      return L3.reduce((t, r) => t | l(r), 0);
    case "Any":
      return (1 << m.length) - 1;
    case "None":
      return 0;
    default:
      return 1 << O.indexOf(e);
  }
}
function w(e) {
  if (e === 0)
    return "None";
  const t = 31 - Math.clz32(e);
  return O[t];
}
function E(e) {
  return e.reduce((t, r) => t | l(r), 0);
}
var M2 = [
  "LocalAverage",
  "GlobalHistogram",
  "FixedThreshold",
  "BoolCast"
];
function x(e) {
  return M2.indexOf(e);
}
var y = [
  "Unknown",
  "ASCII",
  "ISO8859_1",
  "ISO8859_2",
  "ISO8859_3",
  "ISO8859_4",
  "ISO8859_5",
  "ISO8859_6",
  "ISO8859_7",
  "ISO8859_8",
  "ISO8859_9",
  "ISO8859_10",
  "ISO8859_11",
  "ISO8859_13",
  "ISO8859_14",
  "ISO8859_15",
  "ISO8859_16",
  "Cp437",
  "Cp1250",
  "Cp1251",
  "Cp1252",
  "Cp1256",
  "Shift_JIS",
  "Big5",
  "GB2312",
  "GB18030",
  "EUC_JP",
  "EUC_KR",
  "UTF16BE",
  /**
   * UnicodeBig [[deprecated]]
   */
  "UTF16BE",
  "UTF8",
  "UTF16LE",
  "UTF32BE",
  "UTF32LE",
  "BINARY"
];
function B(e) {
  return e === "UnicodeBig" ? y.indexOf("UTF16BE") : y.indexOf(e);
}
var F = [
  "Text",
  "Binary",
  "Mixed",
  "GS1",
  "ISO15434",
  "UnknownECI"
];
function T(e) {
  return F[e];
}
var A = ["Ignore", "Read", "Require"];
function U(e) {
  return A.indexOf(e);
}
var R = ["Plain", "ECI", "HRI", "Hex", "Escaped"];
function p(e) {
  return R.indexOf(e);
}
var u = {
  formats: [],
  tryHarder: true,
  tryRotate: true,
  tryInvert: true,
  tryDownscale: true,
  tryDenoise: false,
  binarizer: "LocalAverage",
  isPure: false,
  downscaleFactor: 3,
  downscaleThreshold: 500,
  minLineCount: 2,
  maxNumberOfSymbols: 255,
  tryCode39ExtendedMode: true,
  returnErrors: false,
  eanAddOnSymbol: "Ignore",
  textMode: "HRI",
  characterSet: "Unknown"
};
function I2(e) {
  return {
    ...e,
    formats: E(e.formats),
    binarizer: x(e.binarizer),
    eanAddOnSymbol: U(e.eanAddOnSymbol),
    textMode: p(e.textMode),
    characterSet: B(e.characterSet)
  };
}
function P2(e) {
  return {
    ...e,
    format: w(e.format),
    contentType: T(e.contentType),
    eccLevel: e.ecLevel
  };
}
var h2 = {
  format: "QRCode",
  readerInit: false,
  forceSquareDataMatrix: false,
  ecLevel: "",
  scale: 0,
  sizeHint: 0,
  rotate: 0,
  withHRT: false,
  withQuietZones: true,
  options: ""
};
var W2 = {
  locateFile: (e, t) => {
    const r = e.match(/_(.+?)\.wasm$/);
    return r ? `https://fastly.jsdelivr.net/npm/zxing-wasm@2.2.4/dist/${r[1]}/${e}` : t + e;
  }
};
var f = /* @__PURE__ */ new WeakMap();
function D(e, t) {
  return Object.is(e, t) || Object.keys(e).length === Object.keys(t).length && Object.keys(e).every(
    (r) => Object.hasOwn(t, r) && e[r] === t[r]
  );
}
function S(e, {
  overrides: t,
  equalityFn: r = D,
  fireImmediately: d = false
} = {}) {
  var a;
  const [o, s] = (a = f.get(e)) != null ? a : [W2], n = t != null ? t : o;
  let i;
  if (d) {
    if (s && (i = r(o, n)))
      return s;
    const c = e({
      ...n
    });
    return f.set(e, [n, c]), c;
  }
  (i != null ? i : r(o, n)) || f.set(e, [n]);
}
async function Z(e, t, r = u) {
  const d = {
    ...u,
    ...r
  }, o = await S(e, {
    fireImmediately: true
  });
  let s, n;
  if ("width" in t && "height" in t && "data" in t) {
    const {
      data: a,
      data: { byteLength: c },
      width: g,
      height: C2
    } = t;
    n = o._malloc(c), o.HEAPU8.set(a, n), s = o.readBarcodesFromPixmap(
      n,
      g,
      C2,
      I2(d)
    );
  } else {
    let a, c;
    if ("buffer" in t)
      [a, c] = [t.byteLength, t];
    else if ("byteLength" in t)
      [a, c] = [t.byteLength, new Uint8Array(t)];
    else if ("size" in t)
      [a, c] = [t.size, new Uint8Array(await t.arrayBuffer())];
    else
      throw new TypeError("Invalid input type");
    n = o._malloc(a), o.HEAPU8.set(c, n), s = o.readBarcodesFromImage(
      n,
      a,
      I2(d)
    );
  }
  o._free(n);
  const i = [];
  for (let a = 0; a < s.size(); ++a)
    i.push(
      P2(s.get(a))
    );
  return i;
}
var j = {
  ...u,
  formats: [...u.formats]
};
var G2 = { ...h2 };

// node_modules/zxing-wasm/dist/es/reader/index.js
async function Wr(F2 = {}) {
  var O2, N3, _r, l2 = F2, ke = !!globalThis.window, Oe = typeof Bun < "u", Dr = !!globalThis.WorkerGlobalScope;
  !((N3 = globalThis.process) === null || N3 === void 0 || (N3 = N3.versions) === null || N3 === void 0) && N3.node && ((_r = globalThis.process) === null || _r === void 0 ? void 0 : _r.type) != "renderer";
  var Mr = "./this.program", je, gr = "";
  function Ee(r) {
    return l2.locateFile ? l2.locateFile(r, gr) : gr + r;
  }
  var Ur, yr;
  if (ke || Dr || Oe) {
    try {
      gr = new URL(".", je).href;
    } catch {
    }
    Dr && (yr = (r) => {
      var e = new XMLHttpRequest();
      return e.open("GET", r, false), e.responseType = "arraybuffer", e.send(null), new Uint8Array(e.response);
    }), Ur = async (r) => {
      var e = await fetch(r, {
        credentials: "same-origin"
      });
      if (e.ok)
        return e.arrayBuffer();
      throw new Error(e.status + " : " + e.url);
    };
  }
  var Ir = console.log.bind(console), x2 = console.error.bind(console), X, Vr = false, Hr, Br, U2, j2, tr, G3, q, m2, Nr, xr, zr = false;
  function Zr() {
    var r = dr.buffer;
    U2 = new Int8Array(r), tr = new Int16Array(r), l2.HEAPU8 = j2 = new Uint8Array(r), G3 = new Uint16Array(r), q = new Int32Array(r), m2 = new Uint32Array(r), Nr = new Float32Array(r), xr = new Float64Array(r);
  }
  function We() {
    if (l2.preRun)
      for (typeof l2.preRun == "function" && (l2.preRun = [l2.preRun]); l2.preRun.length; )
        Ze(l2.preRun.shift());
    Lr(Gr);
  }
  function De() {
    zr = true, rr.xa();
  }
  function Me() {
    if (l2.postRun)
      for (typeof l2.postRun == "function" && (l2.postRun = [l2.postRun]); l2.postRun.length; )
        ze(l2.postRun.shift());
    Lr(Xr);
  }
  function mr(r) {
    var e, t;
    (e = l2.onAbort) === null || e === void 0 || e.call(l2, r), r = "Aborted(" + r + ")", x2(r), Vr = true, r += ". Build with -sASSERTIONS for more info.";
    var n = new WebAssembly.RuntimeError(r);
    throw (t = Br) === null || t === void 0 || t(n), n;
  }
  var z;
  function Ue() {
    return Ee("zxing_reader.wasm");
  }
  function Ie(r) {
    if (r == z && X)
      return new Uint8Array(X);
    if (yr)
      return yr(r);
    throw "both async and sync fetching of the wasm failed";
  }
  async function Ve(r) {
    if (!X)
      try {
        var e = await Ur(r);
        return new Uint8Array(e);
      } catch {
      }
    return Ie(r);
  }
  async function He(r, e) {
    try {
      var t = await Ve(r), n = await WebAssembly.instantiate(t, e);
      return n;
    } catch (i) {
      x2(`failed to asynchronously prepare wasm: ${i}`), mr(i);
    }
  }
  async function Be(r, e, t) {
    if (!r && WebAssembly.instantiateStreaming)
      try {
        var n = fetch(e, {
          credentials: "same-origin"
        }), i = await WebAssembly.instantiateStreaming(n, t);
        return i;
      } catch (a) {
        x2(`wasm streaming compile failed: ${a}`), x2("falling back to ArrayBuffer instantiation");
      }
    return He(e, t);
  }
  function Ne() {
    var r = {
      a: Pn
    };
    return r;
  }
  async function xe() {
    function r(a, s) {
      return rr = a.exports, Tn(rr), Zr(), rr;
    }
    function e(a) {
      return r(a.instance);
    }
    var t = Ne();
    if (l2.instantiateWasm)
      return new Promise((a, s) => {
        l2.instantiateWasm(t, (o, u2) => {
          a(r(o));
        });
      });
    z != null || (z = Ue());
    var n = await Be(X, z, t), i = e(n);
    return i;
  }
  var Lr = (r) => {
    for (; r.length > 0; )
      r.shift()(l2);
  }, Xr = [], ze = (r) => Xr.push(r), Gr = [], Ze = (r) => Gr.push(r), p2 = (r) => _e(r), h3 = () => ge(), nr = [], ir = 0, Le = (r) => {
    var e = new br(r);
    return e.get_caught() || (e.set_caught(true), ir--), e.set_rethrown(false), nr.push(e), me(r), pe(r);
  }, E2 = 0, Xe = () => {
    d(0, 0);
    var r = nr.pop();
    ye(r.excPtr), E2 = 0;
  };
  class br {
    constructor(e) {
      this.excPtr = e, this.ptr = e - 24;
    }
    set_type(e) {
      m2[this.ptr + 4 >> 2] = e;
    }
    get_type() {
      return m2[this.ptr + 4 >> 2];
    }
    set_destructor(e) {
      m2[this.ptr + 8 >> 2] = e;
    }
    get_destructor() {
      return m2[this.ptr + 8 >> 2];
    }
    set_caught(e) {
      e = e ? 1 : 0, U2[this.ptr + 12] = e;
    }
    get_caught() {
      return U2[this.ptr + 12] != 0;
    }
    set_rethrown(e) {
      e = e ? 1 : 0, U2[this.ptr + 13] = e;
    }
    get_rethrown() {
      return U2[this.ptr + 13] != 0;
    }
    init(e, t) {
      this.set_adjusted_ptr(0), this.set_type(e), this.set_destructor(t);
    }
    set_adjusted_ptr(e) {
      m2[this.ptr + 16 >> 2] = e;
    }
    get_adjusted_ptr() {
      return m2[this.ptr + 16 >> 2];
    }
  }
  var ar = (r) => he(r), wr = (r) => {
    var e = E2;
    if (!e)
      return ar(0), 0;
    var t = new br(e);
    t.set_adjusted_ptr(e);
    var n = t.get_type();
    if (!n)
      return ar(0), e;
    for (var i of r) {
      if (i === 0 || i === n)
        break;
      var a = t.ptr + 16;
      if (be(i, n, a))
        return ar(i), e;
    }
    return ar(n), e;
  }, Ge = () => wr([]), qe = (r) => wr([r]), Ye = (r, e) => wr([r, e]), Ke = () => {
    var r = nr.pop();
    r || mr("no exception to throw");
    var e = r.excPtr;
    throw r.get_rethrown() || (nr.push(r), r.set_rethrown(true), r.set_caught(false), ir++), E2 = e, E2;
  }, Je = (r, e, t) => {
    var n = new br(r);
    throw n.init(e, t), E2 = r, ir++, E2;
  }, Qe = () => ir, rt = (r) => {
    throw E2 || (E2 = r), E2;
  }, et = () => mr(""), sr = {}, $r = (r) => {
    for (; r.length; ) {
      var e = r.pop(), t = r.pop();
      t(e);
    }
  };
  function Y(r) {
    return this.fromWireType(m2[r >> 2]);
  }
  var Z2 = {}, I3 = {}, or = {}, tt = class extends Error {
    constructor(e) {
      super(e), this.name = "InternalError";
    }
  }, ur = (r) => {
    throw new tt(r);
  }, V = (r, e, t) => {
    r.forEach((o) => or[o] = e);
    function n(o) {
      var u2 = t(o);
      u2.length !== r.length && ur("Mismatched type converter count");
      for (var f2 = 0; f2 < r.length; ++f2)
        S2(r[f2], u2[f2]);
    }
    var i = new Array(e.length), a = [], s = 0;
    {
      const o = e;
      for (let u2 = 0; u2 < o.length; ++u2) {
        const f2 = o[u2];
        I3.hasOwnProperty(f2) ? i[u2] = I3[f2] : (a.push(f2), Z2.hasOwnProperty(f2) || (Z2[f2] = []), Z2[f2].push(() => {
          i[u2] = I3[f2], ++s, s === a.length && n(i);
        }));
      }
    }
    a.length === 0 && n(i);
  }, nt = (r) => {
    var e = sr[r];
    delete sr[r];
    var t = e.rawConstructor, n = e.rawDestructor, i = e.fields, a = i.map((s) => s.getterReturnType).concat(i.map((s) => s.setterArgumentType));
    V([r], a, (s) => {
      var o = {};
      {
        const u2 = i;
        for (let f2 = 0; f2 < u2.length; ++f2) {
          const c = u2[f2], v2 = s[f2], y2 = c.getter, w2 = c.getterContext, P3 = s[f2 + i.length], T2 = c.setter, $ = c.setterContext;
          o[c.fieldName] = {
            read: (b2) => v2.fromWireType(y2(w2, b2)),
            write: (b2, B2) => {
              var R2 = [];
              T2($, b2, P3.toWireType(R2, B2)), $r(R2);
            },
            optional: v2.optional
          };
        }
      }
      return [{
        name: e.name,
        fromWireType: (u2) => {
          var f2 = {};
          for (var c in o)
            f2[c] = o[c].read(u2);
          return n(u2), f2;
        },
        toWireType: (u2, f2) => {
          for (var c in o)
            if (!(c in f2) && !o[c].optional)
              throw new TypeError(`Missing field: "${c}"`);
          var v2 = t();
          for (c in o)
            o[c].write(v2, f2[c]);
          return u2 !== null && u2.push(n, v2), v2;
        },
        readValueFromPointer: Y,
        destructorFunction: n
      }];
    });
  }, it = (r, e, t, n, i) => {
  }, C2 = (r) => {
    for (var e = ""; ; ) {
      var t = j2[r++];
      if (!t) return e;
      e += String.fromCharCode(t);
    }
  }, K = class extends Error {
    constructor(e) {
      super(e), this.name = "BindingError";
    }
  }, g = (r) => {
    throw new K(r);
  };
  function at(r, e) {
    let t = arguments.length > 2 && arguments[2] !== void 0 ? arguments[2] : {};
    var n = e.name;
    if (r || g(`type "${n}" must have a positive integer typeid pointer`), I3.hasOwnProperty(r)) {
      if (t.ignoreDuplicateRegistrations)
        return;
      g(`Cannot register type '${n}' twice`);
    }
    if (I3[r] = e, delete or[r], Z2.hasOwnProperty(r)) {
      var i = Z2[r];
      delete Z2[r], i.forEach((a) => a());
    }
  }
  function S2(r, e) {
    let t = arguments.length > 2 && arguments[2] !== void 0 ? arguments[2] : {};
    return at(r, e, t);
  }
  var st = (r, e, t, n) => {
    e = C2(e), S2(r, {
      name: e,
      fromWireType: function(i) {
        return !!i;
      },
      toWireType: function(i, a) {
        return a ? t : n;
      },
      readValueFromPointer: function(i) {
        return this.fromWireType(j2[i]);
      },
      destructorFunction: null
    });
  }, ot = (r) => ({
    count: r.count,
    deleteScheduled: r.deleteScheduled,
    preservePointerOnDelete: r.preservePointerOnDelete,
    ptr: r.ptr,
    ptrType: r.ptrType,
    smartPtr: r.smartPtr,
    smartPtrType: r.smartPtrType
  }), Tr = (r) => {
    function e(t) {
      return t.$$.ptrType.registeredClass.name;
    }
    g(e(r) + " instance already deleted");
  }, Pr = false, qr = (r) => {
  }, ut = (r) => {
    r.smartPtr ? r.smartPtrType.rawDestructor(r.smartPtr) : r.ptrType.registeredClass.rawDestructor(r.ptr);
  }, Yr = (r) => {
    r.count.value -= 1;
    var e = r.count.value === 0;
    e && ut(r);
  }, J = (r) => globalThis.FinalizationRegistry ? (Pr = new FinalizationRegistry((e) => {
    Yr(e.$$);
  }), J = (e) => {
    var t = e.$$, n = !!t.smartPtr;
    if (n) {
      var i = {
        $$: t
      };
      Pr.register(e, i, e);
    }
    return e;
  }, qr = (e) => Pr.unregister(e), J(r)) : (J = (e) => e, r), ft = () => {
    let r = fr.prototype;
    Object.assign(r, {
      isAliasOf(t) {
        if (!(this instanceof fr) || !(t instanceof fr))
          return false;
        var n = this.$$.ptrType.registeredClass, i = this.$$.ptr;
        t.$$ = t.$$;
        for (var a = t.$$.ptrType.registeredClass, s = t.$$.ptr; n.baseClass; )
          i = n.upcast(i), n = n.baseClass;
        for (; a.baseClass; )
          s = a.upcast(s), a = a.baseClass;
        return n === a && i === s;
      },
      clone() {
        if (this.$$.ptr || Tr(this), this.$$.preservePointerOnDelete)
          return this.$$.count.value += 1, this;
        var t = J(Object.create(Object.getPrototypeOf(this), {
          $$: {
            value: ot(this.$$)
          }
        }));
        return t.$$.count.value += 1, t.$$.deleteScheduled = false, t;
      },
      delete() {
        this.$$.ptr || Tr(this), this.$$.deleteScheduled && !this.$$.preservePointerOnDelete && g("Object already scheduled for deletion"), qr(this), Yr(this.$$), this.$$.preservePointerOnDelete || (this.$$.smartPtr = void 0, this.$$.ptr = void 0);
      },
      isDeleted() {
        return !this.$$.ptr;
      },
      deleteLater() {
        return this.$$.ptr || Tr(this), this.$$.deleteScheduled && !this.$$.preservePointerOnDelete && g("Object already scheduled for deletion"), this.$$.deleteScheduled = true, this;
      }
    });
    const e = Symbol.dispose;
    e && (r[e] = r.delete);
  };
  function fr() {
  }
  var Cr = (r, e) => Object.defineProperty(e, "name", {
    value: r
  }), Kr = {}, Jr = (r, e, t) => {
    if (r[e].overloadTable === void 0) {
      var n = r[e];
      r[e] = function() {
        for (var i = arguments.length, a = new Array(i), s = 0; s < i; s++)
          a[s] = arguments[s];
        return r[e].overloadTable.hasOwnProperty(a.length) || g(`Function '${t}' called with an invalid number of arguments (${a.length}) - expects one of (${r[e].overloadTable})!`), r[e].overloadTable[a.length].apply(this, a);
      }, r[e].overloadTable = [], r[e].overloadTable[n.argCount] = n;
    }
  }, Qr = (r, e, t) => {
    l2.hasOwnProperty(r) ? ((t === void 0 || l2[r].overloadTable !== void 0 && l2[r].overloadTable[t] !== void 0) && g(`Cannot register public name '${r}' twice`), Jr(l2, r, r), l2[r].overloadTable.hasOwnProperty(t) && g(`Cannot register multiple overloads of a function with the same number of arguments (${t})!`), l2[r].overloadTable[t] = e) : (l2[r] = e, l2[r].argCount = t);
  }, lt = 48, ct = 57, vt = (r) => {
    r = r.replace(/[^a-zA-Z0-9_]/g, "$");
    var e = r.charCodeAt(0);
    return e >= lt && e <= ct ? `_${r}` : r;
  };
  function dt(r, e, t, n, i, a, s, o) {
    this.name = r, this.constructor = e, this.instancePrototype = t, this.rawDestructor = n, this.baseClass = i, this.getActualType = a, this.upcast = s, this.downcast = o, this.pureVirtualFunctions = [];
  }
  var Rr = (r, e, t) => {
    for (; e !== t; )
      e.upcast || g(`Expected null or instance of ${t.name}, got an instance of ${e.name}`), r = e.upcast(r), e = e.baseClass;
    return r;
  }, Fr = (r) => {
    if (r === null)
      return "null";
    var e = typeof r;
    return e === "object" || e === "array" || e === "function" ? r.toString() : "" + r;
  };
  function pt(r, e) {
    if (e === null)
      return this.isReference && g(`null is not a valid ${this.name}`), 0;
    e.$$ || g(`Cannot pass "${Fr(e)}" as a ${this.name}`), e.$$.ptr || g(`Cannot pass deleted object as a pointer of type ${this.name}`);
    var t = e.$$.ptrType.registeredClass, n = Rr(e.$$.ptr, t, this.registeredClass);
    return n;
  }
  function ht(r, e) {
    var t;
    if (e === null)
      return this.isReference && g(`null is not a valid ${this.name}`), this.isSmartPointer ? (t = this.rawConstructor(), r !== null && r.push(this.rawDestructor, t), t) : 0;
    (!e || !e.$$) && g(`Cannot pass "${Fr(e)}" as a ${this.name}`), e.$$.ptr || g(`Cannot pass deleted object as a pointer of type ${this.name}`), !this.isConst && e.$$.ptrType.isConst && g(`Cannot convert argument of type ${e.$$.smartPtrType ? e.$$.smartPtrType.name : e.$$.ptrType.name} to parameter type ${this.name}`);
    var n = e.$$.ptrType.registeredClass;
    if (t = Rr(e.$$.ptr, n, this.registeredClass), this.isSmartPointer)
      switch (e.$$.smartPtr === void 0 && g("Passing raw pointer to smart pointer is illegal"), this.sharingPolicy) {
        case 0:
          e.$$.smartPtrType === this ? t = e.$$.smartPtr : g(`Cannot convert argument of type ${e.$$.smartPtrType ? e.$$.smartPtrType.name : e.$$.ptrType.name} to parameter type ${this.name}`);
          break;
        case 1:
          t = e.$$.smartPtr;
          break;
        case 2:
          if (e.$$.smartPtrType === this)
            t = e.$$.smartPtr;
          else {
            var i = e.clone();
            t = this.rawShare(t, k.toHandle(() => i.delete())), r !== null && r.push(this.rawDestructor, t);
          }
          break;
        default:
          g("Unsupporting sharing policy");
      }
    return t;
  }
  function _t(r, e) {
    if (e === null)
      return this.isReference && g(`null is not a valid ${this.name}`), 0;
    e.$$ || g(`Cannot pass "${Fr(e)}" as a ${this.name}`), e.$$.ptr || g(`Cannot pass deleted object as a pointer of type ${this.name}`), e.$$.ptrType.isConst && g(`Cannot convert argument of type ${e.$$.ptrType.name} to parameter type ${this.name}`);
    var t = e.$$.ptrType.registeredClass, n = Rr(e.$$.ptr, t, this.registeredClass);
    return n;
  }
  var re = (r, e, t) => {
    if (e === t)
      return r;
    if (t.baseClass === void 0)
      return null;
    var n = re(r, e, t.baseClass);
    return n === null ? null : t.downcast(n);
  }, gt = {}, yt = (r, e) => {
    for (e === void 0 && g("ptr should not be undefined"); r.baseClass; )
      e = r.upcast(e), r = r.baseClass;
    return e;
  }, mt = (r, e) => (e = yt(r, e), gt[e]), lr = (r, e) => {
    (!e.ptrType || !e.ptr) && ur("makeClassHandle requires ptr and ptrType");
    var t = !!e.smartPtrType, n = !!e.smartPtr;
    return t !== n && ur("Both smartPtrType and smartPtr must be specified"), e.count = {
      value: 1
    }, J(Object.create(r, {
      $$: {
        value: e,
        writable: true
      }
    }));
  };
  function bt(r) {
    var e = this.getPointee(r);
    if (!e)
      return this.destructor(r), null;
    var t = mt(this.registeredClass, e);
    if (t !== void 0) {
      if (t.$$.count.value === 0)
        return t.$$.ptr = e, t.$$.smartPtr = r, t.clone();
      var n = t.clone();
      return this.destructor(r), n;
    }
    function i() {
      return this.isSmartPointer ? lr(this.registeredClass.instancePrototype, {
        ptrType: this.pointeeType,
        ptr: e,
        smartPtrType: this,
        smartPtr: r
      }) : lr(this.registeredClass.instancePrototype, {
        ptrType: this,
        ptr: r
      });
    }
    var a = this.registeredClass.getActualType(e), s = Kr[a];
    if (!s)
      return i.call(this);
    var o;
    this.isConst ? o = s.constPointerType : o = s.pointerType;
    var u2 = re(e, this.registeredClass, o.registeredClass);
    return u2 === null ? i.call(this) : this.isSmartPointer ? lr(o.registeredClass.instancePrototype, {
      ptrType: o,
      ptr: u2,
      smartPtrType: this,
      smartPtr: r
    }) : lr(o.registeredClass.instancePrototype, {
      ptrType: o,
      ptr: u2
    });
  }
  var wt = () => {
    Object.assign(cr2.prototype, {
      getPointee(r) {
        return this.rawGetPointee && (r = this.rawGetPointee(r)), r;
      },
      destructor(r) {
        var e;
        (e = this.rawDestructor) === null || e === void 0 || e.call(this, r);
      },
      readValueFromPointer: Y,
      fromWireType: bt
    });
  };
  function cr2(r, e, t, n, i, a, s, o, u2, f2, c) {
    this.name = r, this.registeredClass = e, this.isReference = t, this.isConst = n, this.isSmartPointer = i, this.pointeeType = a, this.sharingPolicy = s, this.rawGetPointee = o, this.rawConstructor = u2, this.rawShare = f2, this.rawDestructor = c, !i && e.baseClass === void 0 ? n ? (this.toWireType = pt, this.destructorFunction = null) : (this.toWireType = _t, this.destructorFunction = null) : this.toWireType = ht;
  }
  var ee = (r, e, t) => {
    l2.hasOwnProperty(r) || ur("Replacing nonexistent public symbol"), l2[r].overloadTable !== void 0 && t !== void 0 ? l2[r].overloadTable[t] = e : (l2[r] = e, l2[r].argCount = t);
  }, D2 = {}, $t = (r, e, t) => {
    r = r.replace(/p/g, "i");
    var n = D2[r];
    return n(e, ...t);
  }, te = [], _ = (r) => {
    var e = te[r];
    return e || (te[r] = e = Te.get(r)), e;
  }, Tt = function(r, e) {
    let t = arguments.length > 2 && arguments[2] !== void 0 ? arguments[2] : [];
    if (r.includes("j"))
      return $t(r, e, t);
    var n = _(e), i = n(...t);
    function a(s) {
      return s;
    }
    return i;
  }, Pt = function(r, e) {
    let t = arguments.length > 2 && arguments[2] !== void 0 ? arguments[2] : false;
    return function() {
      for (var n = arguments.length, i = new Array(n), a = 0; a < n; a++)
        i[a] = arguments[a];
      return Tt(r, e, i, t);
    };
  }, A2 = function(r, e) {
    r = C2(r);
    function t() {
      if (r.includes("j"))
        return Pt(r, e);
      var i = _(e);
      return i;
    }
    var n = t();
    return typeof n != "function" && g(`unknown function pointer with signature ${r}: ${e}`), n;
  };
  class Ct extends Error {
  }
  var ne = (r) => {
    var e = de(r), t = C2(e);
    return M3(e), t;
  }, vr = (r, e) => {
    var t = [], n = {};
    function i(a) {
      if (!n[a] && !I3[a]) {
        if (or[a]) {
          or[a].forEach(i);
          return;
        }
        t.push(a), n[a] = true;
      }
    }
    throw e.forEach(i), new Ct(`${r}: ` + t.map(ne).join([", "]));
  }, Rt = (r, e, t, n, i, a, s, o, u2, f2, c, v2, y2) => {
    c = C2(c), a = A2(i, a), o && (o = A2(s, o)), f2 && (f2 = A2(u2, f2)), y2 = A2(v2, y2);
    var w2 = vt(c);
    Qr(w2, function() {
      vr(`Cannot construct ${c} due to unbound types`, [n]);
    }), V([r, e, t], n ? [n] : [], (P3) => {
      P3 = P3[0];
      var T2, $;
      n ? (T2 = P3.registeredClass, $ = T2.instancePrototype) : $ = fr.prototype;
      var b2 = Cr(c, function() {
        if (Object.getPrototypeOf(this) !== B2)
          throw new K(`Use 'new' to construct ${c}`);
        if (R2.constructor_body === void 0)
          throw new K(`${c} has no accessible constructor`);
        for (var Re = arguments.length, pr = new Array(Re), hr = 0; hr < Re; hr++)
          pr[hr] = arguments[hr];
        var Fe = R2.constructor_body[pr.length];
        if (Fe === void 0)
          throw new K(`Tried to invoke ctor of ${c} with invalid number of parameters (${pr.length}) - expected (${Object.keys(R2.constructor_body).toString()}) parameters instead!`);
        return Fe.apply(this, pr);
      }), B2 = Object.create($, {
        constructor: {
          value: b2
        }
      });
      b2.prototype = B2;
      var R2 = new dt(c, b2, B2, y2, T2, a, o, f2);
      if (R2.baseClass) {
        var W3, er;
        (er = (W3 = R2.baseClass).__derivedClasses) !== null && er !== void 0 || (W3.__derivedClasses = []), R2.baseClass.__derivedClasses.push(R2);
      }
      var oi = new cr2(c, R2, true, false, false), Pe = new cr2(c + "*", R2, false, false, false), Ce = new cr2(c + " const*", R2, false, true, false);
      return Kr[r] = {
        pointerType: Pe,
        constPointerType: Ce
      }, ee(w2, b2), [oi, Pe, Ce];
    });
  }, Ar = (r, e) => {
    for (var t = [], n = 0; n < r; n++)
      t.push(m2[e + n * 4 >> 2]);
    return t;
  };
  function Ft(r) {
    for (var e = 1; e < r.length; ++e)
      if (r[e] !== null && r[e].destructorFunction === void 0)
        return true;
    return false;
  }
  function Sr(r, e, t, n, i, a) {
    var s = e.length;
    s < 2 && g("argTypes array size mismatch! Must at least get return value and 'this' types!");
    var o = e[1] !== null && t !== null, u2 = Ft(e), f2 = !e[0].isVoid, c = s - 2, v2 = new Array(c), y2 = [], w2 = [], P3 = function() {
      w2.length = 0;
      var T2;
      y2.length = o ? 2 : 1, y2[0] = i, o && (T2 = e[1].toWireType(w2, this), y2[1] = T2);
      for (var $ = 0; $ < c; ++$)
        v2[$] = e[$ + 2].toWireType(w2, $ < 0 || arguments.length <= $ ? void 0 : arguments[$]), y2.push(v2[$]);
      var b2 = n(...y2);
      function B2(R2) {
        if (u2)
          $r(w2);
        else
          for (var W3 = o ? 1 : 2; W3 < e.length; W3++) {
            var er = W3 === 1 ? T2 : v2[W3 - 2];
            e[W3].destructorFunction !== null && e[W3].destructorFunction(er);
          }
        if (f2)
          return e[0].fromWireType(R2);
      }
      return B2(b2);
    };
    return Cr(r, P3);
  }
  var At = (r, e, t, n, i, a) => {
    var s = Ar(e, t);
    i = A2(n, i), V([], [r], (o) => {
      o = o[0];
      var u2 = `constructor ${o.name}`;
      if (o.registeredClass.constructor_body === void 0 && (o.registeredClass.constructor_body = []), o.registeredClass.constructor_body[e - 1] !== void 0)
        throw new K(`Cannot register multiple constructors with identical number of parameters (${e - 1}) for class '${o.name}'! Overload resolution is currently only performed using the parameter count, not actual type info!`);
      return o.registeredClass.constructor_body[e - 1] = () => {
        vr(`Cannot construct ${o.name} due to unbound types`, s);
      }, V([], s, (f2) => (f2.splice(1, 0, null), o.registeredClass.constructor_body[e - 1] = Sr(u2, f2, null, i, a), [])), [];
    });
  }, ie = (r) => {
    r = r.trim();
    const e = r.indexOf("(");
    return e === -1 ? r : r.slice(0, e);
  }, St = (r, e, t, n, i, a, s, o, u2, f2) => {
    var c = Ar(t, n);
    e = C2(e), e = ie(e), a = A2(i, a), V([], [r], (v2) => {
      v2 = v2[0];
      var y2 = `${v2.name}.${e}`;
      e.startsWith("@@") && (e = Symbol[e.substring(2)]), o && v2.registeredClass.pureVirtualFunctions.push(e);
      function w2() {
        vr(`Cannot call ${y2} due to unbound types`, c);
      }
      var P3 = v2.registeredClass.instancePrototype, T2 = P3[e];
      return T2 === void 0 || T2.overloadTable === void 0 && T2.className !== v2.name && T2.argCount === t - 2 ? (w2.argCount = t - 2, w2.className = v2.name, P3[e] = w2) : (Jr(P3, e, y2), P3[e].overloadTable[t - 2] = w2), V([], c, ($) => {
        var b2 = Sr(y2, $, v2, a, s);
        return P3[e].overloadTable === void 0 ? (b2.argCount = t - 2, P3[e] = b2) : P3[e].overloadTable[t - 2] = b2, [];
      }), [];
    });
  }, ae = [], H2 = [0, 1, , 1, null, 1, true, 1, false, 1], kr = (r) => {
    r > 9 && --H2[r + 1] === 0 && (H2[r] = void 0, ae.push(r));
  }, k = {
    toValue: (r) => (r || g(`Cannot use deleted val. handle = ${r}`), H2[r]),
    toHandle: (r) => {
      switch (r) {
        case void 0:
          return 2;
        case null:
          return 4;
        case true:
          return 6;
        case false:
          return 8;
        default: {
          const e = ae.pop() || H2.length;
          return H2[e] = r, H2[e + 1] = 1, e;
        }
      }
    }
  }, se = {
    name: "emscripten::val",
    fromWireType: (r) => {
      var e = k.toValue(r);
      return kr(r), e;
    },
    toWireType: (r, e) => k.toHandle(e),
    readValueFromPointer: Y,
    destructorFunction: null
  }, kt = (r) => S2(r, se), Ot = (r, e) => {
    switch (e) {
      case 4:
        return function(t) {
          return this.fromWireType(Nr[t >> 2]);
        };
      case 8:
        return function(t) {
          return this.fromWireType(xr[t >> 3]);
        };
      default:
        throw new TypeError(`invalid float width (${e}): ${r}`);
    }
  }, jt = (r, e, t) => {
    e = C2(e), S2(r, {
      name: e,
      fromWireType: (n) => n,
      toWireType: (n, i) => i,
      readValueFromPointer: Ot(e, t),
      destructorFunction: null
    });
  }, Et = (r, e, t, n, i, a, s, o) => {
    var u2 = Ar(e, t);
    r = C2(r), r = ie(r), i = A2(n, i), Qr(r, function() {
      vr(`Cannot call ${r} due to unbound types`, u2);
    }, e - 1), V([], u2, (f2) => {
      var c = [f2[0], null].concat(f2.slice(1));
      return ee(r, Sr(r, c, null, i, a), e - 1), [];
    });
  }, Wt = (r, e, t) => {
    switch (e) {
      case 1:
        return t ? (n) => U2[n] : (n) => j2[n];
      case 2:
        return t ? (n) => tr[n >> 1] : (n) => G3[n >> 1];
      case 4:
        return t ? (n) => q[n >> 2] : (n) => m2[n >> 2];
      default:
        throw new TypeError(`invalid integer width (${e}): ${r}`);
    }
  }, Dt = (r, e, t, n, i) => {
    e = C2(e);
    const a = n === 0;
    let s = (u2) => u2;
    if (a) {
      var o = 32 - 8 * t;
      s = (u2) => u2 << o >>> o, i = s(i);
    }
    S2(r, {
      name: e,
      fromWireType: s,
      toWireType: (u2, f2) => f2,
      readValueFromPointer: Wt(e, t, n !== 0),
      destructorFunction: null
    });
  }, Mt = (r, e, t) => {
    var n = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array], i = n[e];
    function a(s) {
      var o = m2[s >> 2], u2 = m2[s + 4 >> 2];
      return new i(U2.buffer, u2, o);
    }
    t = C2(t), S2(r, {
      name: t,
      fromWireType: a,
      readValueFromPointer: a
    }, {
      ignoreDuplicateRegistrations: true
    });
  }, Ut = Object.assign({
    optional: true
  }, se), It = (r, e) => {
    S2(r, Ut);
  }, Vt = (r, e, t, n) => {
    if (!(n > 0)) return 0;
    for (var i = t, a = t + n - 1, s = 0; s < r.length; ++s) {
      var o = r.codePointAt(s);
      if (o <= 127) {
        if (t >= a) break;
        e[t++] = o;
      } else if (o <= 2047) {
        if (t + 1 >= a) break;
        e[t++] = 192 | o >> 6, e[t++] = 128 | o & 63;
      } else if (o <= 65535) {
        if (t + 2 >= a) break;
        e[t++] = 224 | o >> 12, e[t++] = 128 | o >> 6 & 63, e[t++] = 128 | o & 63;
      } else {
        if (t + 3 >= a) break;
        e[t++] = 240 | o >> 18, e[t++] = 128 | o >> 12 & 63, e[t++] = 128 | o >> 6 & 63, e[t++] = 128 | o & 63, s++;
      }
    }
    return e[t] = 0, t - i;
  }, L4 = (r, e, t) => Vt(r, j2, e, t), oe = (r) => {
    for (var e = 0, t = 0; t < r.length; ++t) {
      var n = r.charCodeAt(t);
      n <= 127 ? e++ : n <= 2047 ? e += 2 : n >= 55296 && n <= 57343 ? (e += 4, ++t) : e += 3;
    }
    return e;
  }, ue = globalThis.TextDecoder && new TextDecoder(), fe = (r, e, t, n) => {
    var i = e + t;
    if (n) return i;
    for (; r[e] && !(e >= i); ) ++e;
    return e;
  }, le = function(r) {
    let e = arguments.length > 1 && arguments[1] !== void 0 ? arguments[1] : 0, t = arguments.length > 2 ? arguments[2] : void 0, n = arguments.length > 3 ? arguments[3] : void 0;
    var i = fe(r, e, t, n);
    if (i - e > 16 && r.buffer && ue)
      return ue.decode(r.subarray(e, i));
    for (var a = ""; e < i; ) {
      var s = r[e++];
      if (!(s & 128)) {
        a += String.fromCharCode(s);
        continue;
      }
      var o = r[e++] & 63;
      if ((s & 224) == 192) {
        a += String.fromCharCode((s & 31) << 6 | o);
        continue;
      }
      var u2 = r[e++] & 63;
      if ((s & 240) == 224 ? s = (s & 15) << 12 | o << 6 | u2 : s = (s & 7) << 18 | o << 12 | u2 << 6 | r[e++] & 63, s < 65536)
        a += String.fromCharCode(s);
      else {
        var f2 = s - 65536;
        a += String.fromCharCode(55296 | f2 >> 10, 56320 | f2 & 1023);
      }
    }
    return a;
  }, Ht = (r, e, t) => r ? le(j2, r, e, t) : "", Bt = (r, e) => {
    e = C2(e), S2(r, {
      name: e,
      fromWireType(t) {
        var n = m2[t >> 2], i = t + 4, a;
        return a = Ht(i, n, true), M3(t), a;
      },
      toWireType(t, n) {
        n instanceof ArrayBuffer && (n = new Uint8Array(n));
        var i, a = typeof n == "string";
        a || ArrayBuffer.isView(n) && n.BYTES_PER_ELEMENT == 1 || g("Cannot pass non-string to std::string"), a ? i = oe(n) : i = n.length;
        var s = Er(4 + i + 1), o = s + 4;
        return m2[s >> 2] = i, a ? L4(n, o, i + 1) : j2.set(n, o), t !== null && t.push(M3, s), s;
      },
      readValueFromPointer: Y,
      destructorFunction(t) {
        M3(t);
      }
    });
  }, ce = globalThis.TextDecoder ? new TextDecoder("utf-16le") : void 0, Nt = (r, e, t) => {
    var n = r >> 1, i = fe(G3, n, e / 2, t);
    if (i - n > 16 && ce) return ce.decode(G3.subarray(n, i));
    for (var a = "", s = n; s < i; ++s) {
      var o = G3[s];
      a += String.fromCharCode(o);
    }
    return a;
  }, xt = (r, e, t) => {
    if (t != null || (t = 2147483647), t < 2) return 0;
    t -= 2;
    for (var n = e, i = t < r.length * 2 ? t / 2 : r.length, a = 0; a < i; ++a) {
      var s = r.charCodeAt(a);
      tr[e >> 1] = s, e += 2;
    }
    return tr[e >> 1] = 0, e - n;
  }, zt = (r) => r.length * 2, Zt = (r, e, t) => {
    for (var n = "", i = r >> 2, a = 0; !(a >= e / 4); a++) {
      var s = m2[i + a];
      if (!s && !t) break;
      n += String.fromCodePoint(s);
    }
    return n;
  }, Lt = (r, e, t) => {
    if (t != null || (t = 2147483647), t < 4) return 0;
    for (var n = e, i = n + t - 4, a = 0; a < r.length; ++a) {
      var s = r.codePointAt(a);
      if (s > 65535 && a++, q[e >> 2] = s, e += 4, e + 4 > i) break;
    }
    return q[e >> 2] = 0, e - n;
  }, Xt = (r) => {
    for (var e = 0, t = 0; t < r.length; ++t) {
      var n = r.codePointAt(t);
      n > 65535 && t++, e += 4;
    }
    return e;
  }, Gt = (r, e, t) => {
    t = C2(t);
    var n, i, a;
    e === 2 ? (n = Nt, i = xt, a = zt) : (n = Zt, i = Lt, a = Xt), S2(r, {
      name: t,
      fromWireType: (s) => {
        var o = m2[s >> 2], u2 = n(s + 4, o * e, true);
        return M3(s), u2;
      },
      toWireType: (s, o) => {
        typeof o != "string" && g(`Cannot pass non-string to C++ string type ${t}`);
        var u2 = a(o), f2 = Er(4 + u2 + e);
        return m2[f2 >> 2] = u2 / e, i(o, f2 + 4, u2 + e), s !== null && s.push(M3, f2), f2;
      },
      readValueFromPointer: Y,
      destructorFunction(s) {
        M3(s);
      }
    });
  }, qt = (r, e, t, n, i, a) => {
    sr[r] = {
      name: C2(e),
      rawConstructor: A2(t, n),
      rawDestructor: A2(i, a),
      fields: []
    };
  }, Yt = (r, e, t, n, i, a, s, o, u2, f2) => {
    sr[r].fields.push({
      fieldName: C2(e),
      getterReturnType: t,
      getter: A2(n, i),
      getterContext: a,
      setterArgumentType: s,
      setter: A2(o, u2),
      setterContext: f2
    });
  }, Kt = (r, e) => {
    e = C2(e), S2(r, {
      isVoid: true,
      name: e,
      fromWireType: () => {
      },
      toWireType: (t, n) => {
      }
    });
  }, Or = [], Jt = (r) => {
    var e = Or.length;
    return Or.push(r), e;
  }, Qt = (r, e) => {
    var t = I3[r];
    return t === void 0 && g(`${e} has unknown type ${ne(r)}`), t;
  }, rn = (r, e) => {
    for (var t = new Array(r), n = 0; n < r; ++n)
      t[n] = Qt(m2[e + n * 4 >> 2], `parameter ${n}`);
    return t;
  }, en = (r, e, t) => {
    var n = [], i = r(n, t);
    return n.length && (m2[e >> 2] = k.toHandle(n)), i;
  }, tn = {}, ve = (r) => {
    var e = tn[r];
    return e === void 0 ? C2(r) : e;
  }, nn = (r, e, t) => {
    var n = 8, [i, ...a] = rn(r, e), s = i.toWireType.bind(i), o = a.map((v2) => v2.readValueFromPointer.bind(v2));
    r--;
    var u2 = new Array(r), f2 = (v2, y2, w2, P3) => {
      for (var T2 = 0, $ = 0; $ < r; ++$)
        u2[$] = o[$](P3 + T2), T2 += n;
      var b2;
      switch (t) {
        case 0:
          b2 = k.toValue(v2).apply(null, u2);
          break;
        case 2:
          b2 = Reflect.construct(k.toValue(v2), u2);
          break;
        case 3:
          b2 = u2[0];
          break;
        case 1:
          b2 = k.toValue(v2)[ve(y2)](...u2);
          break;
      }
      return en(s, w2, b2);
    }, c = `methodCaller<(${a.map((v2) => v2.name)}) => ${i.name}>`;
    return Jt(Cr(c, f2));
  }, an = (r) => r ? (r = ve(r), k.toHandle(globalThis[r])) : k.toHandle(globalThis), sn = (r) => {
    r > 9 && (H2[r + 1] += 1);
  }, on = (r, e, t, n, i) => Or[r](e, t, n, i), un = (r) => {
    var e = k.toValue(r);
    $r(e), kr(r);
  }, fn = (r, e, t, n) => {
    var i = (/* @__PURE__ */ new Date()).getFullYear(), a = new Date(i, 0, 1), s = new Date(i, 6, 1), o = a.getTimezoneOffset(), u2 = s.getTimezoneOffset(), f2 = Math.max(o, u2);
    m2[r >> 2] = f2 * 60, q[e >> 2] = +(o != u2);
    var c = (w2) => {
      var P3 = w2 >= 0 ? "-" : "+", T2 = Math.abs(w2), $ = String(Math.floor(T2 / 60)).padStart(2, "0"), b2 = String(T2 % 60).padStart(2, "0");
      return `UTC${P3}${$}${b2}`;
    }, v2 = c(o), y2 = c(u2);
    u2 < o ? (L4(v2, t, 17), L4(y2, n, 17)) : (L4(v2, n, 17), L4(y2, t, 17));
  }, ln = () => 2147483648, cn = (r, e) => Math.ceil(r / e) * e, vn = (r) => {
    var e = dr.buffer.byteLength, t = (r - e + 65535) / 65536 | 0;
    try {
      return dr.grow(t), Zr(), 1;
    } catch {
    }
  }, dn = (r) => {
    var e = j2.length;
    r >>>= 0;
    var t = ln();
    if (r > t)
      return false;
    for (var n = 1; n <= 4; n *= 2) {
      var i = e * (1 + 0.2 / n);
      i = Math.min(i, r + 100663296);
      var a = Math.min(t, cn(Math.max(r, i), 65536)), s = vn(a);
      if (s)
        return true;
    }
    return false;
  }, jr = {}, pn = () => Mr || "./this.program", Q = () => {
    if (!Q.strings) {
      var r = (typeof navigator == "object" && navigator.language || "C").replace("-", "_") + ".UTF-8", e = {
        USER: "web_user",
        LOGNAME: "web_user",
        PATH: "/",
        PWD: "/",
        HOME: "/home/web_user",
        LANG: r,
        _: pn()
      };
      for (var t in jr)
        jr[t] === void 0 ? delete e[t] : e[t] = jr[t];
      var n = [];
      for (var t in e)
        n.push(`${t}=${e[t]}`);
      Q.strings = n;
    }
    return Q.strings;
  }, hn = (r, e) => {
    var t = 0, n = 0;
    for (var i of Q()) {
      var a = e + t;
      m2[r + n >> 2] = a, t += L4(i, a, 1 / 0) + 1, n += 4;
    }
    return 0;
  }, _n = (r, e) => {
    var t = Q();
    m2[r >> 2] = t.length;
    var n = 0;
    for (var i of t)
      n += oe(i) + 1;
    return m2[e >> 2] = n, 0;
  }, gn = (r) => 52;
  function yn(r, e, t, n, i) {
    return 70;
  }
  var mn = [null, [], []], bn = (r, e) => {
    var t = mn[r];
    e === 0 || e === 10 ? ((r === 1 ? Ir : x2)(le(t)), t.length = 0) : t.push(e);
  }, wn = (r, e, t, n) => {
    for (var i = 0, a = 0; a < t; a++) {
      var s = m2[e >> 2], o = m2[e + 4 >> 2];
      e += 8;
      for (var u2 = 0; u2 < o; u2++)
        bn(r, j2[s + u2]);
      i += o;
    }
    return m2[n >> 2] = i, 0;
  }, $n = (r) => r;
  if (ft(), wt(), l2.noExitRuntime && l2.noExitRuntime, l2.print && (Ir = l2.print), l2.printErr && (x2 = l2.printErr), l2.wasmBinary && (X = l2.wasmBinary), l2.arguments && l2.arguments, l2.thisProgram && (Mr = l2.thisProgram), l2.preInit)
    for (typeof l2.preInit == "function" && (l2.preInit = [l2.preInit]); l2.preInit.length > 0; )
      l2.preInit.shift()();
  var de, M3, Er, pe, d, he, _e, ge, ye, me, be, we, $e, dr, Te;
  function Tn(r) {
    de = r.ya, M3 = l2._free = r.za, Er = l2._malloc = r.Ba, pe = r.Ca, d = r.Da, he = r.Ea, _e = r.Fa, ge = r.Ga, ye = r.Ha, me = r.Ia, be = r.Ja, D2.viijii = r.Ka, we = D2.iiijj = r.La, D2.jiji = r.Ma, $e = D2.jiiii = r.Na, D2.iiiiij = r.Oa, D2.iiiiijj = r.Pa, D2.iiiiiijj = r.Qa, dr = r.wa, Te = r.Aa;
  }
  var Pn = {
    s: Le,
    w: Xe,
    a: Ge,
    j: qe,
    m: Ye,
    Q: Ke,
    p: Je,
    U: Qe,
    d: rt,
    ca: et,
    ta: nt,
    ba: it,
    oa: st,
    ra: Rt,
    qa: At,
    H: St,
    ma: kt,
    X: jt,
    Y: Et,
    x: Dt,
    t: Mt,
    sa: It,
    na: Bt,
    R: Gt,
    I: qt,
    ua: Yt,
    pa: Kt,
    N: nn,
    va: kr,
    D: an,
    S: sn,
    M: on,
    ia: un,
    da: fn,
    ga: dn,
    ea: hn,
    fa: _n,
    ha: gn,
    $: yn,
    V: wn,
    K: Xn,
    C: Yn,
    Z: On,
    T: ti,
    r: xn,
    b: Sn,
    E: Ln,
    ka: Jn,
    c: jn,
    ja: Qn,
    h: kn,
    i: Dn,
    q: Vn,
    P: Zn,
    v: Bn,
    F: Nn,
    L: zn,
    z: Kn,
    J: ni,
    aa: ii,
    _: ai,
    f: En,
    l: Cn,
    e: An,
    g: Fn,
    O: ei,
    k: Rn,
    la: Gn,
    o: Hn,
    B: Mn,
    u: qn,
    W: In,
    A: ri,
    n: Wn,
    G: Un,
    y: $n
  };
  function Cn(r, e) {
    var t = h3();
    try {
      _(r)(e);
    } catch (n) {
      if (p2(t), n !== n + 0) throw n;
      d(1, 0);
    }
  }
  function Rn(r, e, t, n, i) {
    var a = h3();
    try {
      _(r)(e, t, n, i);
    } catch (s) {
      if (p2(a), s !== s + 0) throw s;
      d(1, 0);
    }
  }
  function Fn(r, e, t, n) {
    var i = h3();
    try {
      _(r)(e, t, n);
    } catch (a) {
      if (p2(i), a !== a + 0) throw a;
      d(1, 0);
    }
  }
  function An(r, e, t) {
    var n = h3();
    try {
      _(r)(e, t);
    } catch (i) {
      if (p2(n), i !== i + 0) throw i;
      d(1, 0);
    }
  }
  function Sn(r, e) {
    var t = h3();
    try {
      return _(r)(e);
    } catch (n) {
      if (p2(t), n !== n + 0) throw n;
      d(1, 0);
    }
  }
  function kn(r, e, t, n) {
    var i = h3();
    try {
      return _(r)(e, t, n);
    } catch (a) {
      if (p2(i), a !== a + 0) throw a;
      d(1, 0);
    }
  }
  function On(r, e, t, n, i, a) {
    var s = h3();
    try {
      return _(r)(e, t, n, i, a);
    } catch (o) {
      if (p2(s), o !== o + 0) throw o;
      d(1, 0);
    }
  }
  function jn(r, e, t) {
    var n = h3();
    try {
      return _(r)(e, t);
    } catch (i) {
      if (p2(n), i !== i + 0) throw i;
      d(1, 0);
    }
  }
  function En(r) {
    var e = h3();
    try {
      _(r)();
    } catch (t) {
      if (p2(e), t !== t + 0) throw t;
      d(1, 0);
    }
  }
  function Wn(r, e, t, n, i, a, s, o, u2, f2, c) {
    var v2 = h3();
    try {
      _(r)(e, t, n, i, a, s, o, u2, f2, c);
    } catch (y2) {
      if (p2(v2), y2 !== y2 + 0) throw y2;
      d(1, 0);
    }
  }
  function Dn(r, e, t, n, i) {
    var a = h3();
    try {
      return _(r)(e, t, n, i);
    } catch (s) {
      if (p2(a), s !== s + 0) throw s;
      d(1, 0);
    }
  }
  function Mn(r, e, t, n, i, a, s) {
    var o = h3();
    try {
      _(r)(e, t, n, i, a, s);
    } catch (u2) {
      if (p2(o), u2 !== u2 + 0) throw u2;
      d(1, 0);
    }
  }
  function Un(r, e, t, n, i, a, s, o, u2, f2, c, v2, y2, w2, P3, T2) {
    var $ = h3();
    try {
      _(r)(e, t, n, i, a, s, o, u2, f2, c, v2, y2, w2, P3, T2);
    } catch (b2) {
      if (p2($), b2 !== b2 + 0) throw b2;
      d(1, 0);
    }
  }
  function In(r, e, t, n, i, a, s, o, u2) {
    var f2 = h3();
    try {
      _(r)(e, t, n, i, a, s, o, u2);
    } catch (c) {
      if (p2(f2), c !== c + 0) throw c;
      d(1, 0);
    }
  }
  function Vn(r, e, t, n, i, a) {
    var s = h3();
    try {
      return _(r)(e, t, n, i, a);
    } catch (o) {
      if (p2(s), o !== o + 0) throw o;
      d(1, 0);
    }
  }
  function Hn(r, e, t, n, i, a) {
    var s = h3();
    try {
      _(r)(e, t, n, i, a);
    } catch (o) {
      if (p2(s), o !== o + 0) throw o;
      d(1, 0);
    }
  }
  function Bn(r, e, t, n, i, a, s) {
    var o = h3();
    try {
      return _(r)(e, t, n, i, a, s);
    } catch (u2) {
      if (p2(o), u2 !== u2 + 0) throw u2;
      d(1, 0);
    }
  }
  function Nn(r, e, t, n, i, a, s, o) {
    var u2 = h3();
    try {
      return _(r)(e, t, n, i, a, s, o);
    } catch (f2) {
      if (p2(u2), f2 !== f2 + 0) throw f2;
      d(1, 0);
    }
  }
  function xn(r) {
    var e = h3();
    try {
      return _(r)();
    } catch (t) {
      if (p2(e), t !== t + 0) throw t;
      d(1, 0);
    }
  }
  function zn(r, e, t, n, i, a, s, o, u2) {
    var f2 = h3();
    try {
      return _(r)(e, t, n, i, a, s, o, u2);
    } catch (c) {
      if (p2(f2), c !== c + 0) throw c;
      d(1, 0);
    }
  }
  function Zn(r, e, t, n, i, a, s) {
    var o = h3();
    try {
      return _(r)(e, t, n, i, a, s);
    } catch (u2) {
      if (p2(o), u2 !== u2 + 0) throw u2;
      d(1, 0);
    }
  }
  function Ln(r, e, t, n) {
    var i = h3();
    try {
      return _(r)(e, t, n);
    } catch (a) {
      if (p2(i), a !== a + 0) throw a;
      d(1, 0);
    }
  }
  function Xn(r, e, t, n) {
    var i = h3();
    try {
      return _(r)(e, t, n);
    } catch (a) {
      if (p2(i), a !== a + 0) throw a;
      d(1, 0);
    }
  }
  function Gn(r, e, t, n, i, a, s, o) {
    var u2 = h3();
    try {
      _(r)(e, t, n, i, a, s, o);
    } catch (f2) {
      if (p2(u2), f2 !== f2 + 0) throw f2;
      d(1, 0);
    }
  }
  function qn(r, e, t, n, i, a, s, o) {
    var u2 = h3();
    try {
      _(r)(e, t, n, i, a, s, o);
    } catch (f2) {
      if (p2(u2), f2 !== f2 + 0) throw f2;
      d(1, 0);
    }
  }
  function Yn(r, e, t, n, i, a) {
    var s = h3();
    try {
      return _(r)(e, t, n, i, a);
    } catch (o) {
      if (p2(s), o !== o + 0) throw o;
      d(1, 0);
    }
  }
  function Kn(r, e, t, n, i, a, s, o, u2, f2) {
    var c = h3();
    try {
      return _(r)(e, t, n, i, a, s, o, u2, f2);
    } catch (v2) {
      if (p2(c), v2 !== v2 + 0) throw v2;
      d(1, 0);
    }
  }
  function Jn(r, e, t) {
    var n = h3();
    try {
      return _(r)(e, t);
    } catch (i) {
      if (p2(n), i !== i + 0) throw i;
      d(1, 0);
    }
  }
  function Qn(r, e, t, n, i) {
    var a = h3();
    try {
      return _(r)(e, t, n, i);
    } catch (s) {
      if (p2(a), s !== s + 0) throw s;
      d(1, 0);
    }
  }
  function ri(r, e, t, n, i, a, s, o, u2, f2) {
    var c = h3();
    try {
      _(r)(e, t, n, i, a, s, o, u2, f2);
    } catch (v2) {
      if (p2(c), v2 !== v2 + 0) throw v2;
      d(1, 0);
    }
  }
  function ei(r, e, t, n, i, a, s) {
    var o = h3();
    try {
      _(r)(e, t, n, i, a, s);
    } catch (u2) {
      if (p2(o), u2 !== u2 + 0) throw u2;
      d(1, 0);
    }
  }
  function ti(r, e, t, n) {
    var i = h3();
    try {
      return _(r)(e, t, n);
    } catch (a) {
      if (p2(i), a !== a + 0) throw a;
      d(1, 0);
    }
  }
  function ni(r, e, t, n, i, a, s, o, u2, f2, c, v2) {
    var y2 = h3();
    try {
      return _(r)(e, t, n, i, a, s, o, u2, f2, c, v2);
    } catch (w2) {
      if (p2(y2), w2 !== w2 + 0) throw w2;
      d(1, 0);
    }
  }
  function ii(r, e, t, n, i, a, s) {
    var o = h3();
    try {
      return we(r, e, t, n, i, a, s);
    } catch (u2) {
      if (p2(o), u2 !== u2 + 0) throw u2;
      d(1, 0);
    }
  }
  function ai(r, e, t, n, i) {
    var a = h3();
    try {
      return $e(r, e, t, n, i);
    } catch (s) {
      if (p2(a), s !== s + 0) throw s;
      d(1, 0);
    }
  }
  function si() {
    We();
    function r() {
      var e, t;
      l2.calledRun = true, !Vr && (De(), (e = Hr) === null || e === void 0 || e(l2), (t = l2.onRuntimeInitialized) === null || t === void 0 || t.call(l2), Me());
    }
    l2.setStatus ? (l2.setStatus("Running..."), setTimeout(() => {
      setTimeout(() => l2.setStatus(""), 1), r();
    }, 1)) : r();
  }
  var rr;
  return rr = await xe(), si(), zr ? O2 = l2 : O2 = new Promise((r, e) => {
    Hr = r, Br = e;
  }), O2;
}
function Ae(F2) {
  return S(Wr, F2);
}
async function Se(F2, O2) {
  return Z(Wr, F2, O2);
}

// src/libs.js
hashes.sha512 = sha512;
function verifyEd25519(signature, message, publicKey) {
  try {
    return verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
export {
  Ae as prepareZXingModule,
  Se as readBarcodes,
  sha256,
  sha512,
  verifyEd25519
};
