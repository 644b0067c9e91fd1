import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { API_KEY_TOKEN_PREFIX, ApiKeyScope } from './access.constants';
import { AccessException, AccessExceptionCode } from './access.exception';
import { AuditService } from './audit.service';
import { ApiKey } from './entities';
import { generateSecret, hashSecret, verifySecretHash } from './secret-hash';

/** Input of {@link ApiKeysService.create}. `expiresInDays` 1–3650; omit for no expiry. */
export interface ApiKeyCreateInput {
  name: string;
  scopes: ApiKeyScope[];
  expiresInDays?: number;
  /** Binds the key to one guild (Discord snowflake); omit for none. */
  guildId?: string;
  /** Binds the key to one pool (`pool_<ownerId>`); omit for none. Existence is the caller's check. */
  poolId?: string;
  createdBy: string;
  /** Correlation id of the request, copied into the audit event. */
  requestId?: string;
}

/** An API key as shown to operators: never the secret or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  /** Masked form of the presented key, e.g. `cs_ab12cd34_****`. */
  masked: string;
  scopes: ApiKeyScope[];
  /** Guild the key is bound to, or null (see {@link ApiKeyBinding}). */
  guildId: string | null;
  /** Pool the key is bound to, or null. */
  poolId: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

/**
 * Object-level binding of a key (OWASP API1): a key bound to a guild and/or a pool reaches only
 * objects of that guild or pool; an unbound key (both null) reaches everything its scopes allow.
 */
export type ApiKeyBinding = Pick<ApiKeyView, 'guildId' | 'poolId'>;

/** True when the key is bound to a guild or a pool. */
export function isBound(binding: ApiKeyBinding): boolean {
  return binding.guildId !== null || binding.poolId !== null;
}

const SNOWFLAKE = /^\d{17,20}$/;
const POOL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PRESENTED_KEY = /^cs_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[\p{L}\p{N} _.:-]{1,100}$/u;

/** Scoped admin API keys: `cs_<prefix>_<secret>`, shown once, stored as a SHA-256 hash. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Creates a key and returns the presented secret once (`cs_<8 hex>_<43 base64url>`).
   * @throws AccessException INVALID_INPUT for a bad name, empty/unknown scopes, expiry, guild id
   * (not a snowflake) or pool id (not 1–64 of `A-Za-z0-9_-`).
   */
  async create(input: ApiKeyCreateInput, now = new Date()): Promise<{ key: ApiKeyView; secret: string }> {
    if (!NAME_PATTERN.test(input.name)) {
      throw new AccessException(
        AccessExceptionCode.InvalidInput,
        'The API key name must be 1–100 letters, digits, spaces or _ . : -.',
      );
    }
    const known = new Set<string>(Object.values(ApiKeyScope));
    if (input.scopes.length === 0 || input.scopes.some((scope) => !known.has(scope))) {
      throw new AccessException(
        AccessExceptionCode.InvalidInput,
        `Scopes must be a non-empty list of ${[...known].join(', ')}.`,
      );
    }
    if (
      input.expiresInDays !== undefined &&
      (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 3650)
    ) {
      throw new AccessException(
        AccessExceptionCode.InvalidInput,
        'The expiry must be a whole number of days between 1 and 3650.',
      );
    }
    if (input.guildId !== undefined && !SNOWFLAKE.test(input.guildId)) {
      throw new AccessException(
        AccessExceptionCode.InvalidInput,
        'The guild id must be a Discord id (17–20 digits).',
      );
    }
    if (input.poolId !== undefined && !POOL_ID.test(input.poolId)) {
      throw new AccessException(
        AccessExceptionCode.InvalidInput,
        'The pool id must be 1–64 letters, digits, _ or -.',
      );
    }
    const prefix = randomBytes(4).toString('hex');
    const secret = generateSecret();
    const expiresAt =
      input.expiresInDays === undefined ? null : new Date(now.getTime() + input.expiresInDays * 86_400_000);
    const saved = await this.dataSource.transaction(async (manager) => {
      const row = await manager.save(
        ApiKey,
        manager.create(ApiKey, {
          name: input.name,
          prefix,
          secretHash: hashSecret(secret),
          scopes: [...new Set(input.scopes)],
          expiresAt,
          guildId: input.guildId ?? null,
          poolId: input.poolId ?? null,
          createdBy: input.createdBy,
        }),
      );
      await this.audit.record(
        {
          actor: input.createdBy,
          requestId: input.requestId,
          action: 'api-key.create',
          targetType: 'api-key',
          targetId: row.id,
          payload: { name: row.name, prefix, scopes: row.scopes, guildId: row.guildId, poolId: row.poolId },
        },
        manager,
      );
      return row;
    });
    return { key: toView(saved), secret: `${API_KEY_TOKEN_PREFIX}_${prefix}_${secret}` };
  }

  /**
   * Checks a presented key. Returns the key (and records `last_used_at`) when it is well-formed,
   * known, unrevoked, unexpired and its secret matches; otherwise `null`.
   */
  async verify(presented: string, now = new Date()): Promise<ApiKeyView | null> {
    const match = PRESENTED_KEY.exec(presented);
    if (!match) return null;
    const [, prefix, secret] = match;
    const row = await this.dataSource.getRepository(ApiKey).findOne({ where: { prefix } });
    if (!row || !verifySecretHash(secret, row.secretHash)) return null;
    if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return null;
    await this.dataSource.getRepository(ApiKey).update({ id: row.id }, { lastUsedAt: now });
    return toView({ ...row, lastUsedAt: now });
  }

  /** All keys, newest first, masked. */
  async list(): Promise<ApiKeyView[]> {
    const rows = await this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'DESC' } });
    return rows.map(toView);
  }

  /**
   * Revokes a key (idempotent). `requestId` (the caller's correlation id) goes into the audit event.
   * @throws AccessException API_KEY_NOT_FOUND
   */
  async revoke(id: string, actor: string, now = new Date(), requestId?: string): Promise<ApiKeyView> {
    return this.dataSource.transaction(async (manager) => {
      const row = await manager.findOne(ApiKey, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row)
        throw new AccessException(AccessExceptionCode.ApiKeyNotFound, `API key ${id} does not exist.`);
      if (!row.revokedAt) {
        row.revokedAt = now;
        await manager.save(ApiKey, row);
        await this.audit.record(
          {
            actor,
            requestId,
            action: 'api-key.revoke',
            targetType: 'api-key',
            targetId: id,
            payload: { prefix: row.prefix },
          },
          manager,
        );
      }
      return toView(row);
    });
  }
}

function toView(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    masked: `${API_KEY_TOKEN_PREFIX}_${row.prefix}_****`,
    scopes: row.scopes,
    guildId: row.guildId,
    poolId: row.poolId,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}
