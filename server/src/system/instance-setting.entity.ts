import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Key/value settings of this EGen installation (e.g. its instance id), kept in the database. */
@Entity({ name: 'instance_settings' })
export class InstanceSetting {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;
}
