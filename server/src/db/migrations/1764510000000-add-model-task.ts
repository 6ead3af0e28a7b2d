import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Models get a task (causal-lm or classification) and, for classifiers, their label names (JSON). Existing models are causal LMs. */
export class AddModelTask1764510000000 implements MigrationInterface {
  name = 'AddModelTask1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('models', new TableColumn({ name: 'task', type: 'varchar', length: '32', default: "'causal-lm'" }));
    await queryRunner.addColumn('models', new TableColumn({ name: 'labels', type: 'text', isNullable: true }));
  }

  // On SQLite, revert with { transaction: 'none' } (dropping a column rebuilds the table; see AddDatasetOwners).
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('models', 'labels');
    await queryRunner.dropColumn('models', 'task');
  }
}
