import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/**
 * Encrypts webhook secrets at rest (AES-256-GCM), so a copy of the KV store alone does not let
 * anyone forge deliveries. The key is derived with scrypt because the configured master key is a
 * string an operator chose and may be weaker than 256 random bits.
 */
const version = 'v1';
/** Fixed and public: the master key is per deployment, so the salt only separates this use of it. */
const salt = 'mediaintel/webhook-secrets/v1';
const scryptParams = { N: 2 ** 14, r: 8, p: 1 };

export class SecretBoxError extends Error {
  readonly code = 'ERR_SECRET_BOX';
}

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Derives the data key from the master key (tens of milliseconds: do it once at startup). */
  static async fromMasterKey(masterKey: string): Promise<SecretBox> {
    if (masterKey.length < 16) throw new SecretBoxError('webhook master key must have at least 16 characters');
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt(masterKey, salt, 32, scryptParams, (error, derived) => (error ? reject(error) : resolve(derived))),
    );
    return new SecretBox(key);
  }

  /**
   * `v1.<iv>.<ciphertext>.<tag>` (base64url). `context` (e.g. the endpoint id) is authenticated
   * too, so a sealed secret copied onto another record does not open there.
   */
  seal(plain: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [version, iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : b64(p))).join('.');
  }

  /** Throws SecretBoxError when the value was altered, sealed under another key or another context. */
  open(sealed: string, context = ''): string {
    const [v, iv, ciphertext, tag, ...rest] = sealed.split('.');
    if (v !== version || !iv || ciphertext === undefined || !tag || rest.length > 0) {
      throw new SecretBoxError('not a sealed secret');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretBoxError('sealed secret failed authentication', { cause: error });
    }
  }
}

const b64 = (b: Buffer) => b.toString('base64url');
