/** JobStore in memory: the same contract as the Cosmos store (test/contracts/job-store.ts pins both). */
import type { Job, JobLock, JobStore, Versioned } from '../ports';

export function createMemoryJobStore(): JobStore {
  const jobs = new Map<string, Versioned<Job>>();
  const locks = new Map<string, Versioned<JobLock>>();
  let counter = 0;
  const tag = () => `"m${++counter}"`;
  const copy = <T>(v: T): T => structuredClone(v);
  return {
    async init() {},
    async create(job) {
      if (jobs.has(job.id)) return false;
      jobs.set(job.id, { value: copy(job), etag: tag() });
      return true;
    },
    async get(id) {
      const found = jobs.get(id);
      return found ? copy(found) : null;
    },
    async replace(job, etag) {
      const found = jobs.get(job.id);
      if (!found || found.etag !== etag) return null;
      const next = tag();
      jobs.set(job.id, { value: copy(job), etag: next });
      return next;
    },
    async running(limit) {
      return [...jobs.values()]
        .map((j) => j.value)
        .filter((j) => j.status === 'running')
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map(copy);
    },
    async getLock(name) {
      const found = locks.get(name);
      return found ? copy(found) : null;
    },
    async putLock(lock, etag) {
      const found = locks.get(lock.name);
      if (etag === undefined ? found !== undefined : found?.etag !== etag) return false;
      locks.set(lock.name, { value: copy(lock), etag: tag() });
      return true;
    },
    async releaseLock(name, holder) {
      if (locks.get(name)?.value.holder === holder) locks.delete(name);
    },
  };
}
