import { EXPORT_OPTIONS, type ExportOptions } from '../../../../schema/options/export-options.ts';
import { type Given, optionInputType } from '../../graphql/option-fields.ts';

/** The export options, each nullable (null or absent: its default); derived from EXPORT_OPTIONS. */
export const ExportOptionsInput = optionInputType<Given<ExportOptions>>('ExportOptionsInput', 'Options of an export; each format reads only its own (the others are ignored)', EXPORT_OPTIONS);
export type ExportOptionsInput = Given<ExportOptions>;
