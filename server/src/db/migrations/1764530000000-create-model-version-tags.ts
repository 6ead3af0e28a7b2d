import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** Tags on model versions (production, staging, free tags): one version per model and tag. */
export class CreateModelVersionTags1764530000000 implements MigrationInterface {
  name = 'CreateModelVersionTags1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'model_version_tags',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'version_id', type: 'varchar', length: '36' },
          { name: 'model_id', type: 'varchar', length: '36' },
          { name: 'tag', type: 'varchar', length: '40' },
          { name: 'created_by', type: 'varchar', length: '36' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        indices: [
          // A tag points at one version per model: moving it is delete + insert under this index.
          new TableIndex({ name: 'uq_model_version_tags_model_tag', columnNames: ['model_id', 'tag'], isUnique: true }),
          new TableIndex({ name: 'idx_model_version_tags_version', columnNames: ['version_id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('model_version_tags');
  }
}
