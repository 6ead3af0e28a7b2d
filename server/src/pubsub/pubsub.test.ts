// The in-process pub/sub: a slow subscriber keeps only the latest messages (its buffer is
// bounded) and learns how many it missed; a fast subscriber of the same topic gets every one.
import { describe, expect, it } from 'vitest';
import { InProcessPubSub } from './pubsub.ts';

describe('InProcessPubSub', () => {
  it('drops the oldest messages of a full buffer, counts them, and never holds up others', async () => {
    const pubSub = new InProcessPubSub(3);
    const fast = pubSub.subscribe('metrics', 'run-1');
    const slow = pubSub.subscribe('metrics', 'run-1');
    const other = pubSub.subscribe('metrics', 'run-2');
    const fastSeen: number[] = [];
    for (let i = 1; i <= 10; i++) {
      pubSub.publish('metrics', 'run-1', { seq: i, dropped: 0 });
      fastSeen.push(((await fast.next()).value as { seq: number }).seq);
    }
    expect(fastSeen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const slowSeen = [];
    for (let i = 0; i < 3; i++) slowSeen.push((await slow.next()).value);
    expect(slowSeen).toEqual([
      { seq: 8, dropped: 7 },
      { seq: 9, dropped: 7 },
      { seq: 10, dropped: 7 },
    ]);
    expect(pubSub.subscriberCount('metrics', 'run-1')).toBe(2);
    await slow.return!();
    expect(pubSub.subscriberCount('metrics', 'run-1')).toBe(1);
    await other.return!();
    expect(pubSub.subscriberCount('metrics', 'run-2')).toBe(0);
  });
});
