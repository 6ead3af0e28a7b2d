import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const at = (name: string, nullable = false) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
const text = (name: string, length: string, nullable = false) => ({ name, type: 'varchar', length, isNullable: nullable });

/** Background jobs (jobs/job.entity.ts): exports, dataset builds, evaluations, ... */
export class CreateJobs1764500000000 implements MigrationInterface {
  name = 'CreateJobs1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'jobs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          text('kind', '64'),
          text('description', '500'),
          text('owner_id', '36'),
          text('status', '16'),
          { name: 'progress', type: 'double precision' },
          text('progress_text', '500'),
          { name: 'input', type: 'text' },
          text('target_type', '64', true),
          text('target_id', '36', true),
          text('result_type', '64', true),
          text('result_id', '36', true),
          { name: 'error_message', type: 'text', isNullable: true },
          text('error_code', '64', true),
          text('worker_id', '64', true),
          at('heartbeat_at', true),
          { name: 'requested_cancel', type: 'boolean' },
          { name: 'attempts', type: 'integer' },
          at('created_at'),
          at('started_at', true),
          at('finished_at', true),
          at('updated_at'),
        ],
        indices: [new TableIndex({ name: 'idx_jobs_status_created', columnNames: ['status', 'created_at'] }), new TableIndex({ name: 'idx_jobs_owner_created', columnNames: ['owner_id', 'created_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('jobs');
  }
}
