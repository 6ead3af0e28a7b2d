// The one pub/sub interface of the server (type-graphql's PubSub shape). In-process here;
// a PostgreSQL LISTEN/NOTIFY implementation can stand behind the same two methods.
//
// Each subscriber has a bounded buffer: a slow subscriber never slows the publisher or other
// subscribers. When its buffer is full the oldest message is dropped and counted.
import type { PubSub } from 'type-graphql';

/** Defaults to 1,000 messages per subscriber. */
export const DEFAULT_SUBSCRIBER_BUFFER = 1000;

interface Subscriber {
  queue: unknown[];
  wake: (() => void) | null;
  dropped: number;
  closed: boolean;
}

export class InProcessPubSub implements PubSub {
  private readonly topics = new Map<string, Set<Subscriber>>();

  constructor(private readonly bufferSize = DEFAULT_SUBSCRIBER_BUFFER) {}

  private static key(topic: string, id?: unknown): string {
    return id === undefined ? topic : `${topic}:${String(id)}`;
  }

  publish(topic: string, ...args: unknown[]): void {
    // type-graphql calls publish(topic, payload) or publish(topic, id, payload).
    const [id, payload] = args.length >= 2 ? [args[0], args[1]] : [undefined, args[0]];
    const subscribers = this.topics.get(InProcessPubSub.key(topic, id));
    if (!subscribers) return;
    for (const subscriber of subscribers) {
      if (subscriber.queue.length >= this.bufferSize) {
        subscriber.queue.shift();
        subscriber.dropped++;
      }
      subscriber.queue.push(payload);
      subscriber.wake?.();
    }
  }

  /** Number of live subscribers of a topic (and id); for tests and monitoring. */
  subscriberCount(topic: string, id?: unknown): number {
    return this.topics.get(InProcessPubSub.key(topic, id))?.size ?? 0;
  }

  subscribe(topic: string, id?: unknown): AsyncIterableIterator<unknown> {
    const key = InProcessPubSub.key(topic, id);
    const subscriber: Subscriber = { queue: [], wake: null, dropped: 0, closed: false };
    let set = this.topics.get(key);
    if (!set) this.topics.set(key, (set = new Set()));
    set.add(subscriber);
    const close = (): void => {
      subscriber.closed = true;
      subscriber.wake?.();
      const current = this.topics.get(key);
      current?.delete(subscriber);
      if (current?.size === 0) this.topics.delete(key);
    };
    const iterator: AsyncIterableIterator<unknown> = {
      async next(): Promise<IteratorResult<unknown>> {
        while (subscriber.queue.length === 0 && !subscriber.closed) {
          await new Promise<void>((resolve) => (subscriber.wake = resolve));
          subscriber.wake = null;
        }
        if (subscriber.closed) return { value: undefined, done: true };
        const value = subscriber.queue.shift();
        // Payloads that carry a `dropped` field (e.g. metric batches) tell their subscriber how
        // many messages its full buffer has dropped so far.
        if (subscriber.dropped > 0 && typeof value === 'object' && value !== null && 'dropped' in value) return { value: { ...value, dropped: subscriber.dropped }, done: false };
        return { value, done: false };
      },
      async return(): Promise<IteratorResult<unknown>> {
        close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
