import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** Evaluations of model versions on dataset versions. */
export class CreateEvaluations1764310000000 implements MigrationInterface {
  name = 'CreateEvaluations1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'evaluations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'model_version_id', type: 'varchar', length: '36' },
          { name: 'dataset_version_id', type: 'varchar', length: '36' },
          { name: 'results', type: 'text' },
          { name: 'examples', type: 'integer' },
          { name: 'scored_tokens', type: 'integer' },
          { name: 'created_by', type: 'varchar', length: '36' },
          { name: 'duration_ms', type: 'integer' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        indices: [new TableIndex({ name: 'idx_evaluations_version', columnNames: ['model_version_id'] }), new TableIndex({ name: 'idx_evaluations_dataset_version', columnNames: ['dataset_version_id'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('evaluations');
  }
}
