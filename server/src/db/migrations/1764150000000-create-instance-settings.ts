import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class CreateInstanceSettings1764150000000 implements MigrationInterface {
  name = 'CreateInstanceSettings1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'instance_settings',
        columns: [
          { name: 'key', type: 'varchar', length: '128', isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
      /*ifNotExist=*/ true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('instance_settings', /*ifExist=*/ true);
  }
}
