import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const id = { name: 'id', type: 'varchar', length: '36', isPrimary: true };
const at = (name: string, nullable = false) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
const ref = (name: string, nullable = false) => ({ name, type: 'varchar', length: '36', isNullable: nullable });

/** Users, sessions, refresh tokens, API keys, the audit log, models and model versions. */
export class CreateAuthAuditModels1764160000000 implements MigrationInterface {
  name = 'CreateAuthAuditModels1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          { name: 'email', type: 'varchar', length: '320', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'role', type: 'varchar', length: '16' },
          at('disabled_at', true),
          at('last_login_at', true),
          at('created_at'),
          at('updated_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          id,
          ref('user_id'),
          at('created_at'),
          at('revoked_at', true),
          { name: 'revoked_reason', type: 'varchar', length: '32', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'idx_sessions_user', columnNames: ['user_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [id, ref('session_id'), { name: 'token_hash', type: 'varchar', length: '64', isUnique: true }, at('created_at'), at('expires_at'), at('used_at', true)],
        foreignKeys: [new TableForeignKey({ columnNames: ['session_id'], referencedTableName: 'sessions', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'idx_refresh_tokens_session', columnNames: ['session_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          id,
          ref('owner_id'),
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'prefix', type: 'varchar', length: '16', isUnique: true },
          { name: 'secret_hash', type: 'varchar', length: '64' },
          { name: 'role', type: 'varchar', length: '16' },
          at('expires_at', true),
          at('revoked_at', true),
          at('last_used_at', true),
          at('created_at'),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'idx_api_keys_owner', columnNames: ['owner_id'] })],
      }),
    );
    // No foreign keys: the log outlives what it talks about.
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          id,
          at('at'),
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'actor_kind', type: 'varchar', length: '16' },
          ref('actor_id', true),
          { name: 'actor_email', type: 'varchar', length: '320', isNullable: true },
          ref('api_key_id', true),
          { name: 'target_type', type: 'varchar', length: '32', isNullable: true },
          ref('target_id', true),
          { name: 'before', type: 'text', isNullable: true },
          { name: 'after', type: 'text', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'request_id', type: 'varchar', length: '128', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_log_at', columnNames: ['at', 'id'] }),
          new TableIndex({ name: 'idx_audit_log_actor', columnNames: ['actor_id'] }),
          new TableIndex({ name: 'idx_audit_log_action_email', columnNames: ['action', 'actor_email', 'at'] }),
          new TableIndex({ name: 'idx_audit_log_target', columnNames: ['target_type', 'target_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'models',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'description', type: 'text', isNullable: true },
          ref('owner_id'),
          { name: 'preset', type: 'varchar', length: '32', isNullable: true },
          { name: 'vocab_size', type: 'integer' },
          { name: 'context_length', type: 'integer' },
          { name: 'layers', type: 'integer' },
          { name: 'heads', type: 'integer' },
          { name: 'embedding_width', type: 'integer' },
          { name: 'dropout', type: 'double precision' },
          { name: 'bias', type: 'boolean' },
          { name: 'tokenizer_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'special_tokens', type: 'text' },
          at('created_at'),
          at('updated_at'),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'] })],
        indices: [new TableIndex({ name: 'uq_models_owner_name', columnNames: ['owner_id', 'name'], isUnique: true }), new TableIndex({ name: 'idx_models_created', columnNames: ['created_at', 'id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'model_versions',
        columns: [
          id,
          ref('model_id'),
          { name: 'version', type: 'integer' },
          { name: 'checkpoint_path', type: 'varchar', length: '1024', isNullable: true },
          ref('parent_version_id', true),
          ref('run_id', true),
          { name: 'dataset_version_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'notes', type: 'text', isNullable: true },
          ref('created_by'),
          at('created_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['model_id'], referencedTableName: 'models', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['parent_version_id'], referencedTableName: 'model_versions', referencedColumnNames: ['id'], onDelete: 'SET NULL' }),
        ],
        indices: [new TableIndex({ name: 'uq_model_versions_model_version', columnNames: ['model_id', 'version'], isUnique: true })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['model_versions', 'models', 'audit_log', 'api_keys', 'refresh_tokens', 'sessions', 'users']) {
      await queryRunner.dropTable(table, /*ifExist=*/ true);
    }
  }
}
