import type { Redis } from "ioredis";

type Listener = (projectId: string) => void;

/**
 * Tells every instance that a project changed, so rendered indexes cached in memory are dropped.
 * In one process it is a plain callback list; with Redis, changes are also published on a channel that
 * every instance subscribes to. If the subscription drops, listeners get "*" (drop everything), since
 * messages may have been missed while disconnected.
 */
export class ChangeFeed {
  private listeners: Listener[] = [];
  private sub?: Redis;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis | undefined,
    prefix: string,
  ) {
    this.channel = `${prefix}project-changed`;
    if (redis) {
      this.sub = redis.duplicate();
      this.sub.on("error", () => undefined);
      this.sub.on("message", (_ch: string, projectId: string) => this.emit(projectId));
      this.sub.on("ready", () => this.emit("*"));
      void this.sub.subscribe(this.channel).catch(() => undefined);
    }
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  private emit(projectId: string): void {
    for (const l of this.listeners) l(projectId);
  }

  /** Call after the change has committed. */
  async publish(projectId: string): Promise<void> {
    this.emit(projectId);
    if (this.redis) await this.redis.publish(this.channel, projectId).catch(() => undefined);
  }

  close(): void {
    this.sub?.disconnect();
  }
}
