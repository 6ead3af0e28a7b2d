import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Evaluations of classifiers keep their per-label scores and confusion matrix (JSON); null for causal LMs. */
export class AddEvaluationClassification1764510000001 implements MigrationInterface {
  name = 'AddEvaluationClassification1764510000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('evaluations', new TableColumn({ name: 'classification', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('evaluations', 'classification');
  }
}
