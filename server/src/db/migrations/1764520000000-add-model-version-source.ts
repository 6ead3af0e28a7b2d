import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Where a model version's weights came from when they were not trained here (an import), and what was done to them (JSON). */
export class AddModelVersionSource1764520000000 implements MigrationInterface {
  name = 'AddModelVersionSource1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('model_versions', [new TableColumn({ name: 'source', type: 'text', isNullable: true }), new TableColumn({ name: 'metadata', type: 'text', isNullable: true })]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('model_versions', 'metadata');
    await queryRunner.dropColumn('model_versions', 'source');
  }
}
