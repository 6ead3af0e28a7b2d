import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** Exported model versions (artifacts): one row per verified folder under <dataDir>/artifacts/. */
export class CreateModelArtifacts1764600000000 implements MigrationInterface {
  name = 'CreateModelArtifacts1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'model_artifacts',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'version_id', type: 'varchar', length: '36' },
          { name: 'format', type: 'varchar', length: '32' },
          { name: 'options', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'files', type: 'text' },
          { name: 'manifest', type: 'text' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'total_bytes', type: 'double precision' },
          { name: 'path', type: 'varchar', length: '1024' },
          { name: 'job_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '36' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        indices: [new TableIndex({ name: 'idx_model_artifacts_version', columnNames: ['version_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('model_artifacts');
  }
}
