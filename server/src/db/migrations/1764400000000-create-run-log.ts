import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The log of each training run: numbered lines with time, level and message. */
export class CreateRunLog1764400000000 implements MigrationInterface {
  name = 'CreateRunLog1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'run_log',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'run_id', type: 'varchar', length: '36' },
          { name: 'sequence', type: 'integer' },
          { name: 'time', type: 'varchar', length: '32' },
          { name: 'level', type: 'varchar', length: '8' },
          { name: 'message', type: 'text' },
        ],
        // Also the index the log is read by (run, then sequence); unique, so two writers never share a number.
        indices: [new TableIndex({ name: 'uq_run_log_run_sequence', columnNames: ['run_id', 'sequence'], isUnique: true })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('run_log');
  }
}
