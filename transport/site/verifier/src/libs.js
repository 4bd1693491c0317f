// The audited libraries the verifier uses, bundled into vendor/libs.js by build.mjs.
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

ed.hashes.sha512 = sha512;

// Ed25519 (RFC 8032) verification of `signature` over `message` by `publicKey` (all Uint8Array).
export function verifyEd25519(signature, message, publicKey) {
  try {
    return ed.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export { prepareZXingModule, readBarcodes, sha256, sha512 };
