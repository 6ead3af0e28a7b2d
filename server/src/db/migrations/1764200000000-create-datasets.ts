import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

export class CreateDatasets1764200000000 implements MigrationInterface {
  name = 'CreateDatasets1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'uploads',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'filename', type: 'varchar', length: '512' },
          { name: 'size_bytes', type: 'bigint' },
          { name: 'sha256', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
      /*ifNotExist=*/ true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'datasets',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200', isUnique: true },
          { name: 'description', type: 'text', default: "''" },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
      /*ifNotExist=*/ true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'dataset_versions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'dataset_id', type: 'varchar', length: '36' },
          { name: 'version', type: 'integer' },
          { name: 'format', type: 'varchar', length: '16' },
          { name: 'source_options', type: 'text' },
          { name: 'source_sha256', type: 'varchar', length: '64', isNullable: true },
          { name: 'source_bytes', type: 'bigint' },
          { name: 'source_filename', type: 'varchar', length: '512' },
          { name: 'records_sha256', type: 'varchar', length: '64' },
          { name: 'parent_version_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'pipeline', type: 'text', isNullable: true },
          { name: 'pipeline_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'record_count', type: 'integer' },
          { name: 'train_tokens', type: 'bigint' },
          { name: 'validation_tokens', type: 'bigint' },
          { name: 'vocab_size', type: 'integer' },
          { name: 'report', type: 'text' },
          { name: 'gate_passed', type: 'boolean' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['dataset_id'], referencedTableName: 'datasets', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
        indices: [new TableIndex({ name: 'IDX_dataset_versions_dataset_version', columnNames: ['dataset_id', 'version'], isUnique: true }), new TableIndex({ name: 'IDX_dataset_versions_source_sha256', columnNames: ['source_sha256'] })],
      }),
      /*ifNotExist=*/ true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('dataset_versions', /*ifExist=*/ true);
    await queryRunner.dropTable('datasets', /*ifExist=*/ true);
    await queryRunner.dropTable('uploads', /*ifExist=*/ true);
  }
}
