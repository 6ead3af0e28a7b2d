// GraphQL shapes of datasets, versions, reports and inputs.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, SortDirection } from '../graphql/connection.ts';

export enum DatasetFormatValue {
  TEXT = 'text',
  CSV = 'csv',
  JSONL = 'jsonl',
  TFRECORD = 'tfrecord',
}
registerEnumType(DatasetFormatValue, { name: 'DatasetFormat', description: 'How an uploaded file is read' });

export enum BadRowPolicyValue {
  FAIL = 'fail',
  SKIP = 'skip',
}
registerEnumType(BadRowPolicyValue, { name: 'BadRowPolicy', description: 'FAIL stops at the first bad row (with its location); SKIP lists it in the report and goes on' });

export enum TextDocumentsValue {
  PARAGRAPHS = 'paragraphs',
  FILE = 'file',
}
registerEnumType(TextDocumentsValue, { name: 'TextDocuments', description: 'Plain text: documents split at blank lines, or the whole file as one' });

export enum CompressionValue {
  AUTO = 'auto',
  GZIP = 'gzip',
  NONE = 'none',
}
registerEnumType(CompressionValue, { name: 'Compression', description: 'TFRecord compression: detected from the GZIP magic bytes, or declared' });

@ObjectType('LengthStats')
export class LengthStatsType {
  @Field(() => Int) min!: number;
  @Field(() => Int) max!: number;
  @Field(() => Float) mean!: number;
  @Field(() => Int) p50!: number;
  @Field(() => Int) p95!: number;
}

@ObjectType('FieldStats')
export class FieldStatsType {
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Records where the field is absent or null' }) missing!: number;
  @Field(() => Int, { description: 'Records where the field is empty or white space' }) empty!: number;
}

@ObjectType('BadRow')
export class BadRowType {
  @Field(() => String) location!: string;
  @Field(() => String) reason!: string;
}

@ObjectType('GateCriterion')
export class GateCriterionType {
  @Field(() => String) name!: string;
  @Field(() => Boolean) passed!: boolean;
  @Field(() => Float) value!: number;
  @Field(() => String) threshold!: string;
  @Field(() => String) detail!: string;
}

@ObjectType('Gate', { description: 'The seed gate, evaluated per criterion' })
export class GateType {
  @Field(() => Boolean) passed!: boolean;
  @Field(() => [GateCriterionType]) criteria!: GateCriterionType[];
}

@ObjectType('LabelCount', { description: 'A label of a labelled dataset version and how often it occurs' })
export class LabelCountType {
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Records with this label, after the pipeline' }) count!: number;
  @Field(() => Int) train!: number;
  @Field(() => Int) validation!: number;
}

@ObjectType('ValidationReport', { description: 'What validation found in a dataset version' })
export class ValidationReportType {
  @Field(() => Int) rows!: number;
  @Field(() => Int) usableRows!: number;
  @Field(() => Int) trainRecords!: number;
  @Field(() => Int) validationRecords!: number;
  @Field(() => [String]) mappedFields!: string[];
  @Field(() => [FieldStatsType]) fields!: FieldStatsType[];
  @Field(() => Int) duplicateRows!: number;
  @Field(() => Int) badRowCount!: number;
  @Field(() => [BadRowType], { description: 'The first 100 bad rows' }) badRows!: BadRowType[];
  @Field(() => Int) encodingErrors!: number;
  @Field(() => [String]) encodingErrorLocations!: string[];
  @Field(() => LengthStatsType) charLength!: LengthStatsType;
  @Field(() => LengthStatsType) tokenLength!: LengthStatsType;
  @Field(() => Float) totalChars!: number;
  @Field(() => Float) totalTokens!: number;
  @Field(() => Float) tokenizationErrorRate!: number;
  @Field(() => GateType) gate!: GateType;
  @Field(() => [LabelCountType], { nullable: true, description: 'The label set of a labelled version (distinct labels by name, with counts); null without a label field' }) labels?: LabelCountType[] | null;
}

@ObjectType('TokenShard', { description: 'A token shard: NAME.bin (flat little-endian tokens) and NAME.json' })
export class TokenShardType {
  @Field(() => String, { description: '"train" or "validation"' }) split!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Absolute path of NAME.bin on the server' }) path!: string;
  @Field(() => String, { description: '"uint16" or "uint32"' }) dtype!: string;
  @Field(() => Float) tokens!: number;
}

@ObjectType('DatasetVersion', { description: 'An immutable state of a dataset' })
export class DatasetVersionType {
  @Field(() => ID) id!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => Int) version!: number;
  @Field(() => DatasetFormatValue) format!: DatasetFormatValue;
  @Field(() => String) sourceFilename!: string;
  @Field(() => String, { nullable: true, description: 'SHA-256 of the uploaded bytes; null for a derived version' }) sourceSha256!: string | null;
  @Field(() => Float) sourceBytes!: number;
  @Field(() => GraphQLJSON, { description: 'Reader options and the resolved column mapping' }) sourceOptions!: unknown;
  @Field(() => String, { description: 'SHA-256 of the processed records; equal input and pipeline give equal hashes' }) recordsSha256!: string;
  @Field(() => ID, { nullable: true }) parentVersionId!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The pipeline that produced this version' }) pipeline!: unknown;
  @Field(() => String, { nullable: true }) pipelineHash!: string | null;
  @Field(() => Int) recordCount!: number;
  @Field(() => Float) trainTokens!: number;
  @Field(() => Float) validationTokens!: number;
  @Field(() => Int) vocabSize!: number;
  @Field(() => Boolean) gatePassed!: boolean;
  @Field(() => ValidationReportType) report!: ValidationReportType;
  @Field(() => [TokenShardType]) shards!: TokenShardType[];
  @Field(() => String, { description: 'Absolute path of the version folder (tokenizer.json, shards, report.json)' }) directory!: string;
  @Field(() => String) createdAt!: string;
}

@ObjectType('Dataset')
export class DatasetType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => ID, { nullable: true, description: 'Id of the owner; null for datasets from before owners were recorded' }) ownerId!: string | null;
  @Field(() => String) createdAt!: string;
  @Field(() => [DatasetVersionType], { description: 'Oldest first' }) versions!: DatasetVersionType[];
  @Field(() => DatasetVersionType, { nullable: true }) latestVersion!: DatasetVersionType | null;
}

export const DatasetConnection = ConnectionType('Dataset', DatasetType);

@InputType()
export class DatasetFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the name' })
  nameContains?: string | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;
}

export enum DatasetOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(DatasetOrderField, { name: 'DatasetOrderField' });

@InputType()
export class DatasetOrder {
  @Field(() => DatasetOrderField)
  field!: DatasetOrderField;

  @Field(() => SortDirection)
  direction!: SortDirection;
}

export enum DatasetRecordSourceValue {
  PROCESSED = 'processed',
  UPLOADED = 'uploaded',
}
registerEnumType(DatasetRecordSourceValue, {
  name: 'DatasetRecordSource',
  description: 'Which records of a version to read',
  valuesConfig: {
    PROCESSED: { description: 'The records after mapping and pipeline, with their split: what trains (records.jsonl)' },
    UPLOADED: { description: 'The rows of the uploaded file as its reader sees them (first versions only)' },
  },
});

@ObjectType('DatasetRecord', { description: 'One record of a dataset version, with where it was read' })
export class DatasetRecordType {
  @Field(() => Int, { description: '0-based position among the records of its source' }) index!: number;
  @Field(() => String, { nullable: true, description: 'The training text; null for an uploaded row in which the column mapping finds no text' }) text!: string | null;
  @Field(() => String, { nullable: true, description: '"train" or "validation" for processed records; null for uploaded rows' }) split!: string | null;
  @Field(() => GraphQLJSON, { description: 'The fields as read (processed: text and split)' }) fields!: unknown;
  @Field(() => String, { description: 'The file read: records.jsonl, or the uploaded file name' }) file!: string;
  @Field(() => String, { description: 'Where in the file, e.g. "line 12" or "record 5 (byte 1234)"' }) location!: string;
  @Field(() => Int, { nullable: true, description: '1-based line number, where the location names one' }) line!: number | null;
  @Field(() => Boolean, { description: 'A value longer than 2,000 characters was cut for the preview' }) truncated!: boolean;
}

export const DatasetRecordConnection = ConnectionType('DatasetRecord', DatasetRecordType);

@ObjectType('PipelinePlugin', { description: 'A pipeline step from a plugin module in <dataDir>/plugins' })
export class PipelinePluginType {
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => String) file!: string;
}

@ObjectType('PipelinePluginProblem')
export class PipelinePluginProblemType {
  @Field(() => String) file!: string;
  @Field(() => String) error!: string;
}

@ObjectType('PipelinePlugins')
export class PipelinePluginsType {
  @Field(() => [PipelinePluginType]) plugins!: PipelinePluginType[];
  @Field(() => [PipelinePluginProblemType], { description: 'Modules that failed to load' }) problems!: PipelinePluginProblemType[];
}

@InputType()
export class CreateDatasetInput {
  @Field(() => ID, { description: 'From POST /api/uploads' }) uploadId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => DatasetFormatValue, { nullable: true, description: 'Defaults to the one the file name suggests' }) format?: DatasetFormatValue | null;
  @Field(() => [String], { nullable: true, description: 'Fields joined into the training text' }) textFields?: string[] | null;
  @Field(() => String, { nullable: true, description: 'With responseField: instruction examples <context>{prompt}<response>{response}' }) promptField?: string | null;
  @Field(() => String, { nullable: true }) responseField?: string | null;
  @Field(() => String, { nullable: true, description: "The field holding each record's class label (data for classifiers); a record without one is a bad row" }) labelField?: string | null;
  @Field(() => String, { nullable: true, description: 'Between text fields. Defaults to a line break' }) separator?: string | null;
  @Field(() => TextDocumentsValue, { nullable: true }) textDocuments?: TextDocumentsValue | null;
  @Field(() => String, { nullable: true, description: 'CSV delimiter; detected among , ; and tab when absent' }) csvDelimiter?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'CSV: the first row names the columns. Defaults to true' }) csvHeader?: boolean | null;
  @Field(() => CompressionValue, { nullable: true }) compression?: CompressionValue | null;
  @Field(() => BadRowPolicyValue, { nullable: true, description: 'Defaults to FAIL' }) badRows?: BadRowPolicyValue | null;
  @Field(() => Int, { nullable: true, description: 'Vocabulary size of the trained tokenizer. Defaults to 4096' }) vocabSize?: number | null;
  @Field(() => ID, { nullable: true, description: 'Reuse the tokenizer of this version instead of training one' }) tokenizerFromVersionId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Reuse an uploaded Hugging Face tokenizer.json (with an <|endoftext|> token) instead of training one' }) tokenizerUploadId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Reuse the tokenizer stored with this model version (e.g. an imported base model) instead of training one' }) tokenizerFromModelVersionId?: string | null;
}

@InputType()
export class RunPipelineInput {
  @Field(() => ID) versionId!: string;
  @Field(() => GraphQLJSON, { description: '{ "steps": [ { "type": "normalize", "form": "NFC" }, ... ] }' }) pipeline!: unknown;
  @Field(() => Int, { nullable: true, description: "Train a new tokenizer of this size; by default the parent version's tokenizer is reused" }) vocabSize?: number | null;
}
