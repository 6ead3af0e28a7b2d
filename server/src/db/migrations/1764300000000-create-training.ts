import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const at = (name: string, nullable = false) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
const ref = (name: string, nullable = false) => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const double = (name: string, nullable = true) => ({ name, type: 'double precision', isNullable: nullable });

/** Training runs, their metric points and checkpoints. */
export class CreateTraining1764300000000 implements MigrationInterface {
  name = 'CreateTraining1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'training_runs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          ref('owner_id'),
          ref('model_id'),
          ref('base_version_id', true),
          ref('dataset_version_id'),
          { name: 'config', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'stage', type: 'varchar', length: '32' },
          { name: 'progress', type: 'varchar', length: '100' },
          { name: 'step', type: 'integer' },
          { name: 'max_steps', type: 'integer' },
          double('last_loss'),
          double('best_val_loss'),
          { name: 'failure_reason', type: 'text', isNullable: true },
          { name: 'stop_reason', type: 'text', isNullable: true },
          { name: 'worker_id', type: 'varchar', length: '64', isNullable: true },
          at('heartbeat_at', true),
          { name: 'requested_action', type: 'varchar', length: '16', isNullable: true },
          { name: 'last_checkpoint', type: 'varchar', length: '1024', isNullable: true },
          { name: 'best_checkpoint', type: 'varchar', length: '1024', isNullable: true },
          ref('result_version_id', true),
          { name: 'attempts', type: 'integer' },
          at('created_at'),
          at('started_at', true),
          at('finished_at', true),
          at('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_training_runs_status_created', columnNames: ['status', 'created_at'] }),
          new TableIndex({ name: 'idx_training_runs_owner', columnNames: ['owner_id'] }),
          new TableIndex({ name: 'idx_training_runs_model', columnNames: ['model_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'metric_points',
        columns: [{ name: 'run_id', type: 'varchar', length: '36', isPrimary: true }, { name: 'name', type: 'varchar', length: '64', isPrimary: true }, { name: 'step', type: 'integer', isPrimary: true }, double('value'), at('time')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'checkpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          ref('run_id'),
          { name: 'step', type: 'integer' },
          { name: 'path', type: 'varchar', length: '1024' },
          { name: 'best', type: 'boolean' },
          { name: 'final', type: 'boolean' },
          at('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_checkpoints_run_step', columnNames: ['run_id', 'step'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('checkpoints');
    await queryRunner.dropTable('metric_points');
    await queryRunner.dropTable('training_runs');
  }
}
