import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_DATE } from '../db/columns.ts';

/**
 * One sign-in: the family of refresh tokens that descend from one login. Revoking it (logout,
 * refresh-token reuse, password reset, disabling the user) ends every token of the family,
 * and access tokens naming it stop working at once.
 */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  revokedAt!: Date | null;

  /** logout, reuse, password, disabled, role */
  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;
}

/** A refresh token, stored as its SHA-256; used once, then replaced by its successor. */
@Entity({ name: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'session_id', type: 'varchar', length: 36 })
  sessionId!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  expiresAt!: Date;

  /** Set when it was exchanged for a new pair; presenting it again is reuse. */
  @Column({ name: 'used_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  usedAt!: Date | null;
}
