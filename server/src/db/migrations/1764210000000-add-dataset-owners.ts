// Uploads and datasets get an owner. Rows from before this migration keep a null owner: only an
// admin may use or change them. Deleting a user leaves their datasets to the admins (SET NULL).
import { type MigrationInterface, type QueryRunner, TableColumn, TableForeignKey, TableIndex } from 'typeorm';

export class AddDatasetOwners1764210000000 implements MigrationInterface {
  name = 'AddDatasetOwners1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['uploads', 'datasets']) {
      await queryRunner.addColumn(table, new TableColumn({ name: 'owner_id', type: 'varchar', length: '36', isNullable: true }));
      await queryRunner.createForeignKey(table, new TableForeignKey({ name: `fk_${table}_owner`, columnNames: ['owner_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' }));
      await queryRunner.createIndex(table, new TableIndex({ name: `idx_${table}_owner`, columnNames: ['owner_id'] }));
    }
  }

  // On SQLite, revert with { transaction: 'none' }: dropping the column rebuilds the datasets
  // table, and inside a transaction foreign keys cannot be switched off, so the rebuild would
  // cascade to dataset_versions.
  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['datasets', 'uploads']) {
      await queryRunner.dropIndex(table, `idx_${table}_owner`);
      await queryRunner.dropForeignKey(table, `fk_${table}_owner`);
      await queryRunner.dropColumn(table, 'owner_id');
    }
  }
}
