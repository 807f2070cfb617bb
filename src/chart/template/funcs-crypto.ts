/**
 * Sprig's crypto functions (`crypto.go`): keys (`genPrivateKey`), certificates (`genCA`,
 * `genSelfSignedCert`, `genSignedCert` and their `…WithKey` forms, `buildCustomCert`), AES
 * (`encryptAES`/`decryptAES`), bcrypt (`bcrypt`, `htpasswd`) and `derivePassword`. Keys and
 * certificates come from `node:crypto`, so, as with Helm, they differ on every render.
 */
import { GoTemplateError } from "../errors.js";
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  scryptSync,
  sign,
  type KeyObject,
} from "node:crypto";
import { isIP } from "node:net";
import bcryptjs from "bcryptjs";
import * as der from "./der.js";
import { fn, type GoFunc } from "./go-func.js";
import { GoStruct, toGoString } from "./go-value.js";

const OID = {
  commonName: "2.5.4.3",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ed25519: "1.3.101.112",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  basicConstraints: "2.5.29.19",
  subjectAltName: "2.5.29.17",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

function pem(type: string, bytes: Buffer): string {
  const body = bytes.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${type}-----\n${body}${body.endsWith("\n") ? "" : "\n"}-----END ${type}-----\n`;
}

function privateKeyPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return String(key.export({ type: "pkcs1", format: "pem" }));
    case "ec":
      return String(key.export({ type: "sec1", format: "pem" }));
    case "dsa":
      return dsaPrivateKeyPem(key);
    default:
      return String(key.export({ type: "pkcs8", format: "pem" }));
  }
}

/** OpenSSL's traditional `DSA PRIVATE KEY` (what Go's sprig writes): SEQUENCE { 0, p, q, g, y, x }. */
function dsaPrivateKeyPem(key: KeyObject): string {
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const root = der.readElement(pkcs8, 0);
  const [, algorithm, privateOctets] = der.children(pkcs8, root);
  if (algorithm === undefined || privateOctets === undefined) throw new GoTemplateError("x509: malformed DSA key");
  const params = der.children(pkcs8, der.children(pkcs8, algorithm)[1] ?? algorithm);
  const integer = (element: { contentStart: number; end: number }): bigint =>
    BigInt(`0x${pkcs8.subarray(element.contentStart, element.end).toString("hex") || "0"}`);
  const [p, q, g] = params.map(integer);
  const xElement = der.readElement(pkcs8, privateOctets.contentStart);
  const x = integer(xElement);
  if (p === undefined || q === undefined || g === undefined) throw new GoTemplateError("x509: malformed DSA key");
  const y = modPow(g, x, p);
  const toDer = (n: bigint): Buffer =>
    der.unsignedInteger(
      Buffer.from(
        n
          .toString(16)
          .padStart(2, "0")
          .replace(/^(.(..)*)$/, "0$1"),
        "hex",
      ),
    );
  return pem("DSA PRIVATE KEY", der.sequence(der.smallInteger(0), toDer(p), toDer(q), toDer(g), toDer(y), toDer(x)));
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function generateKey(type: string): KeyObject | undefined {
  switch (type) {
    case "rsa":
      return generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey;
    case "dsa":
      return generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 }).privateKey;
    case "ecdsa":
      return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    case "ed25519":
      return generateKeyPairSync("ed25519").privateKey;
    default:
      return undefined;
  }
}

/** What `genCA` and friends return: `.Cert` and `.Key` as PEM text. */
function certificate(cert: string, key: string): GoStruct {
  return new GoStruct("sprig.certificate", { Cert: cert, Key: key });
}

interface CertOptions {
  readonly commonName: string;
  readonly ips: readonly unknown[];
  readonly dnsNames: readonly unknown[];
  readonly days: bigint;
  readonly isCA: boolean;
  readonly key: KeyObject;
  readonly issuer?: { readonly subject: Buffer; readonly key: KeyObject; readonly keyId?: Buffer };
}

function signatureAlgorithm(key: KeyObject): { readonly oid: Der; readonly hash: string | null } {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { oid: der.sequence(der.oid(OID.sha256WithRSA), der.nullValue()), hash: "sha256" };
    case "ec":
      return { oid: der.sequence(der.oid(OID.ecdsaWithSHA256)), hash: "sha256" };
    case "ed25519":
      return { oid: der.sequence(der.oid(OID.ed25519)), hash: null };
    default:
      throw new GoTemplateError(
        `x509: only RSA, ECDSA and Ed25519 keys are supported, got ${key.asymmetricKeyType ?? "unknown"}`,
      );
  }
}

type Der = der.Der;

function ipBytes(ip: unknown): Buffer {
  const text = typeof ip === "string" ? ip : undefined;
  const version = text === undefined ? 0 : isIP(text);
  if (text === undefined || version === 0) throw new GoTemplateError(`error parsing ip: ${toGoString(ip)}`);
  if (version === 4) return Buffer.from(text.split(".").map(Number));
  const [head = "", tail = ""] = text.split("::");
  const groups = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = text.includes("::") ? groups(tail) : [];
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return Buffer.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

function keyIdentifier(publicKeyDer: Buffer): Buffer {
  const spki = der.readElement(publicKeyDer, 0);
  const bits = der.children(publicKeyDer, spki)[1];
  const keyBytes = bits === undefined ? publicKeyDer : publicKeyDer.subarray(bits.contentStart + 1, bits.end);
  return createHash("sha1").update(keyBytes).digest();
}

function buildCertificate(options: CertOptions): string {
  const publicKey = createPublicKey(options.key).export({ type: "spki", format: "der" });
  const signer = options.issuer?.key ?? options.key;
  const algorithm = signatureAlgorithm(signer);
  const subject = der.sequence(der.set(der.sequence(der.oid(OID.commonName), der.directoryString(options.commonName))));
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + Number(options.days) * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const ownKeyId = keyIdentifier(publicKey);
  const extensions: Der[] = [];
  const extension = (id: string, critical: boolean, value: Der): void => {
    extensions.push(der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value)));
  };
  extension(
    OID.keyUsage,
    true,
    options.isCA ? der.bitString(Buffer.from([0xa4]), 2) : der.bitString(Buffer.from([0xa0]), 5),
  );
  if (!options.isCA) extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth)));
  extension(OID.basicConstraints, true, options.isCA ? der.sequence(der.boolean(true)) : der.sequence());
  if (options.isCA) extension(OID.subjectKeyId, false, der.octetString(ownKeyId));
  if (options.issuer?.keyId !== undefined)
    extension(OID.authorityKeyId, false, der.sequence(der.context(0, false, options.issuer.keyId)));
  const names: Der[] = [
    ...options.dnsNames.map((name) => {
      if (typeof name !== "string")
        throw new GoTemplateError(`error processing alternate dns name: ${toGoString(name)}`);
      return der.tlv(0x82, Buffer.from(name, "ascii"));
    }),
    ...options.ips.map((ip) => der.tlv(0x87, ipBytes(ip))),
  ];
  if (names.length > 0) extension(OID.subjectAltName, false, der.sequence(...names));
  const tbs = der.sequence(
    der.context(0, true, der.smallInteger(2)),
    der.unsignedInteger(serial),
    algorithm.oid,
    options.issuer?.subject ?? subject,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subject,
    publicKey,
    der.context(3, true, der.sequence(...extensions)),
  );
  const signature = sign(algorithm.hash, tbs, signer);
  return pem("CERTIFICATE", der.sequence(tbs, algorithm.oid, der.bitString(signature)));
}

function parsePrivateKey(text: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new GoTemplateError("error decoding pem block");
  }
}

/** Reads the subject and subject key identifier of a PEM certificate (the issuer side of `genSignedCert`). */
function readIssuer(certPem: string): { readonly subject: Buffer; readonly keyId?: Buffer } {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem);
  if (match === null) throw new GoTemplateError("error decoding pem block");
  const bytes = Buffer.from((match[1] ?? "").replace(/\s+/g, ""), "base64");
  const certificateElement = der.readElement(bytes, 0);
  const tbs = der.children(bytes, certificateElement)[0];
  if (tbs === undefined) throw new GoTemplateError("x509: malformed certificate");
  const fields = der.children(bytes, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject === undefined) throw new GoTemplateError("x509: malformed certificate");
  let keyId: Buffer | undefined;
  const extensionsField = fields.find((field) => field.tag === 0xa3);
  if (extensionsField !== undefined) {
    const list = der.children(bytes, extensionsField)[0];
    for (const ext of list === undefined ? [] : der.children(bytes, list)) {
      const [id, ...rest] = der.children(bytes, ext);
      const value = rest.at(-1);
      if (id === undefined || value === undefined) continue;
      if (bytes.subarray(id.start, id.end).equals(der.oid(OID.subjectKeyId))) {
        const inner = der.readElement(bytes, value.contentStart);
        keyId = bytes.subarray(inner.contentStart, inner.end);
      }
    }
  }
  return { subject: bytes.subarray(subject.start, subject.end), ...(keyId === undefined ? {} : { keyId }) };
}

function caFrom(value: unknown): { readonly cert: string; readonly key: string } {
  if (!(value instanceof GoStruct) || value.typeName !== "sprig.certificate")
    throw new GoTemplateError("wrong type for value; expected sprig.certificate");
  return { cert: toGoString(value.fields["Cert"]), key: toGoString(value.fields["Key"]) };
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, "utf8").copy(key, 0, 0, 32);
  return key;
}

const MASTER_PASSWORD_SEED = "com.lyndir.masterpassword";
const PASSWORD_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  maximum: ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
  long: [
    "CvcvnoCvcvCvcv",
    "CvcvCvcvnoCvcv",
    "CvcvCvcvCvcvno",
    "CvccnoCvcvCvcv",
    "CvccCvcvnoCvcv",
    "CvccCvcvCvcvno",
    "CvcvnoCvccCvcv",
    "CvcvCvccnoCvcv",
    "CvcvCvccCvcvno",
    "CvcvnoCvcvCvcc",
    "CvcvCvcvnoCvcc",
    "CvcvCvcvCvccno",
    "CvccnoCvccCvcv",
    "CvccCvccnoCvcv",
    "CvccCvccCvcvno",
    "CvcvnoCvccCvcc",
    "CvcvCvccnoCvcc",
    "CvcvCvccCvccno",
    "CvccnoCvcvCvcc",
    "CvccCvcvnoCvcc",
    "CvccCvcvCvccno",
  ],
  medium: ["CvcnoCvc", "CvcCvcno"],
  short: ["Cvcn"],
  basic: ["aaanaaan", "aannaaan", "aaannaaa"],
  pin: ["nnnn"],
};
const TEMPLATE_CHARACTERS: Readonly<Record<string, string>> = {
  V: "AEIOU",
  C: "BCDFGHJKLMNPQRSTVWXYZ",
  v: "aeiou",
  c: "bcdfghjklmnpqrstvwxyz",
  A: "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
  a: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n: "0123456789",
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
};

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

/** The Master Password algorithm sprig's `derivePassword` implements. */
function derivePassword(counter: bigint, type: string, password: string, user: string, site: string): string {
  const templates = PASSWORD_TEMPLATES[type];
  if (templates === undefined) return `cannot find password template ${type}`;
  const salt = Buffer.concat([Buffer.from(MASTER_PASSWORD_SEED), uint32(Buffer.byteLength(user)), Buffer.from(user)]);
  const key = scryptSync(Buffer.from(password), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 128 * 1024 * 1024 });
  const message = Buffer.concat([
    Buffer.from(MASTER_PASSWORD_SEED),
    uint32(Buffer.byteLength(site)),
    Buffer.from(site),
    uint32(Number(counter)),
  ]);
  const seed = createHmac("sha256", key).update(message).digest();
  const template = templates[(seed[0] ?? 0) % templates.length] ?? "";
  return [...template]
    .map((ch, i) => {
      const chars = TEMPLATE_CHARACTERS[ch] ?? "";
      return chars[(seed[i + 1] ?? 0) % chars.length] ?? "";
    })
    .join("");
}

function bcrypt(password: string): string {
  return bcryptjs.hashSync(password, 10).replace(/^\$2b\$/, "$2a$");
}

/** Sprig's crypto functions. */
export const CRYPTO_FUNCTIONS: Readonly<Record<string, GoFunc>> = {
  genPrivateKey: fn(["string"], (type) => {
    const key = generateKey(type);
    return key === undefined ? `Unknown type ${type}` : privateKeyPem(key);
  }),
  genCA: fn(["string", "int"], (cn, days) => {
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    return certificate(
      buildCertificate({ commonName: cn, ips: [], dnsNames: [], days, isCA: true, key }),
      privateKeyPem(key),
    );
  }),
  genCAWithKey: fn(["string", "int", "string"], (cn, days, keyPem) => {
    const key = parsePrivateKey(keyPem);
    return certificate(
      buildCertificate({ commonName: cn, ips: [], dnsNames: [], days, isCA: true, key }),
      privateKeyPem(key),
    );
  }),
  genSelfSignedCert: fn(["string", "list", "list", "int"], (cn, ips, dns, days) => {
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const cert = buildCertificate({ commonName: cn, ips: ips ?? [], dnsNames: dns ?? [], days, isCA: false, key });
    return certificate(cert, privateKeyPem(key));
  }),
  genSelfSignedCertWithKey: fn(["string", "list", "list", "int", "string"], (cn, ips, dns, days, keyPem) => {
    const key = parsePrivateKey(keyPem);
    const cert = buildCertificate({ commonName: cn, ips: ips ?? [], dnsNames: dns ?? [], days, isCA: false, key });
    return certificate(cert, privateKeyPem(key));
  }),
  genSignedCert: fn(["string", "list", "list", "int", "cert"], (cn, ips, dns, days, ca) => {
    const parent = caFrom(ca);
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const issuer = { ...readIssuer(parent.cert), key: parsePrivateKey(parent.key) };
    const cert = buildCertificate({
      commonName: cn,
      ips: ips ?? [],
      dnsNames: dns ?? [],
      days,
      isCA: false,
      key,
      issuer,
    });
    return certificate(cert, privateKeyPem(key));
  }),
  genSignedCertWithKey: fn(["string", "list", "list", "int", "cert", "string"], (cn, ips, dns, days, ca, keyPem) => {
    const parent = caFrom(ca);
    const key = parsePrivateKey(keyPem);
    const issuer = { ...readIssuer(parent.cert), key: parsePrivateKey(parent.key) };
    const cert = buildCertificate({
      commonName: cn,
      ips: ips ?? [],
      dnsNames: dns ?? [],
      days,
      isCA: false,
      key,
      issuer,
    });
    return certificate(cert, privateKeyPem(key));
  }),
  buildCustomCert: fn(["string", "string"], (certBase64, keyBase64) => {
    const cert = Buffer.from(certBase64, "base64").toString("utf8");
    const key = Buffer.from(keyBase64, "base64").toString("utf8");
    if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new GoTemplateError("unable to decode base64 certificate");
    readIssuer(cert);
    parsePrivateKey(key);
    return certificate(cert, key);
  }),
  encryptAES: fn(["string", "string"], (password, plaintext) => {
    if (plaintext === "") return "";
    const iv = randomBytes(16);
    const cipher = createCipheriv("aes-256-cbc", aesKey(password), iv);
    return Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64");
  }),
  decryptAES: fn(["string", "string"], (password, encoded) => {
    if (encoded === "") return "";
    const bytes = Buffer.from(encoded, "base64");
    if (bytes.length < 16 || bytes.length % 16 !== 0) throw new GoTemplateError("crypto/cipher: input not full blocks");
    const decipher = createDecipheriv("aes-256-cbc", aesKey(password), bytes.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(bytes.subarray(16)), decipher.final()]);
    const padding = plain[plain.length - 1] ?? 0;
    return plain.subarray(0, Math.max(0, plain.length - padding)).toString("utf8");
  }),
  bcrypt: fn(["string"], (password) => bcrypt(password)),
  htpasswd: fn(["string", "string"], (user, password) =>
    user.includes(":") ? `invalid username: ${user}` : `${user}:${bcrypt(password)}`,
  ),
  derivePassword: fn(["uint32", "string", "string", "string", "string"], derivePassword),
};
