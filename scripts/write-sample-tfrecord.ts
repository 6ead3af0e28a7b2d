// Writes datasets/facts.tfrecord, the TFRecord sample that ships with EGen: tf.train.Example
// records with a text (bytes_list), an id (int64_list) and a score (float_list) feature.
// Run: node_modules/.bin/tsx scripts/write-sample-tfrecord.ts
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeExample, frameRecord } from '../server/src/datasets/formats/tfrecord.ts';
import { PROJECT_ROOT } from './libtorch.ts';

const FACTS = [
  'Water boils at 100 degrees Celsius at sea level.',
  'The Earth orbits the Sun once every 365.25 days.',
  'Light from the Sun takes about eight minutes to reach the Earth.',
  'Honey found in ancient tombs was still edible.',
  'Octopuses have three hearts and blue blood.',
  'The Pacific is the largest and deepest ocean on Earth.',
  'A group of crows is called a murder.',
  'Mount Everest grows a few millimetres every year.',
  'The human body has 206 bones in adulthood.',
  'Bananas are berries, but strawberries are not.',
  'Venus spins in the opposite direction to most planets.',
  'Sound travels about 343 metres per second in air.',
  'The shortest war in history lasted under an hour.',
  'Sharks existed before trees.',
  'Lightning is about five times hotter than the surface of the Sun.',
  'A day on Mars lasts 24 hours and 37 minutes.',
];

export function sampleTfRecordBytes(): Buffer {
  return Buffer.concat(FACTS.map((text, i) => frameRecord(encodeExample({ text, id: i + 1, score: Math.round((0.5 + i / 40) * 100) / 100 }, new Set(['score'])))));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = join(PROJECT_ROOT, 'datasets', 'facts.tfrecord');
  writeFileSync(out, sampleTfRecordBytes());
  console.log(`wrote ${out} (${FACTS.length} records)`);
}
