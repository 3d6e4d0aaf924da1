// A project on a test server, seen the way the adoption tests look at it: its ping key, each
// job's state, signals and timeline, and each job's UUID.
import type { JobSpec } from '../../schema/types.js';
import type { RunningServer } from '../../server/main.js';
import { adminClient, TEST_SOURCE, uniqueProject } from './server.js';

export interface TestProject {
  name: string;
  pingKey: string;
  status: (job: string) => ReturnType<ReturnType<typeof adminClient>['jobs']['get']['query']>;
  timeline: (job: string) => Promise<string[]>;
  uuid: (job: string) => Promise<string>;
  apply: (jobs: JobSpec[]) => ReturnType<ReturnType<typeof adminClient>['projects']['applyConfig']['mutate']>;
}

export async function testProject(server: RunningServer, jobs: JobSpec[], name = uniqueProject()): Promise<TestProject> {
  const client = adminClient(server);
  const apply = (js: JobSpec[]) => client.projects.applyConfig.mutate({
    config: { project: name, jobs: js, channels: [], routes: [] }, source: TEST_SOURCE, expectedRevision: null,
  });
  const r = await apply(jobs);
  return {
    name, pingKey: r.pingKey, apply,
    status: (job) => client.jobs.get.query({ project: name, job }),
    timeline: async (job) => (await client.jobs.timeline.query({ project: name, job, limit: 100 })).entries.map((e) => e.message).reverse(),
    uuid: async (job) => (await client.jobs.get.query({ project: name, job })).uuid,
  };
}
