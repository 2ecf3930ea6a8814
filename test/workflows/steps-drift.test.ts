// The drift workflow every day: read-only plan, one issue commented only when the drift changes,
// allowlisted mentions, skipped while an apply runs, the tag stage after a plan that answered.
import { describe, expect, it } from 'vitest';
import { loadWorkflow, runWorkflow } from './run-workflow';
import { SHA, DRIFT_MARKER, daysFromToday, repository, context, describeRun, everything, mentioning, withoutTag, expectNoSecrets, SLOW, useWorld } from './steps-world';

const world = useWorld();

describe('exceptions-drift.yml', SLOW, () => {
  it('runs on a schedule and by hand; the drift job reads only, in its own concurrency group; the tag job follows a plan that answered', async () => {
    const { drift } = world.workflows;
    expect(Object.keys(drift.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(drift.permissions).toEqual({ contents: 'read', issues: 'write', actions: 'read' });
    expect(drift.jobs.drift.secrets).toEqual({
      QUALYS_READ_USERNAME: '${{ secrets.QUALYS_READ_USERNAME }}',
      QUALYS_READ_PASSWORD: '${{ secrets.QUALYS_READ_PASSWORD }}',
    });
    expect(drift.jobs.tag.needs).toBe('drift');
    expect(drift.jobs.tag.if).toContain("needs.drift.outputs.plan-exitcode == '0' || needs.drift.outputs.plan-exitcode == '2'");
    const called = await loadWorkflow('cvex-drift.yml');
    expect(called.jobs.drift.concurrency).toEqual({ group: 'cvex-drift', 'cancel-in-progress': false });
    // The history vouches for unsigned markers.
    expect(called.jobs.drift.steps?.find((step) => step.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({ 'fetch-depth': 0 });
    expect(Object.keys((called.on.workflow_call as { secrets: object }).secrets)).toEqual(['QUALYS_READ_USERNAME', 'QUALYS_READ_PASSWORD']);
  });

  it('opens ONE drift issue with a comment that mentions only allowlisted handles, and tags after a plan that answered', async () => {
    const commits = { [SHA]: repository() };
    expect((await runWorkflow(world.workflows.apply, context('push', commits))).status).toBe('success');
    const driftIssues = () => [...world.github.issues.values()].filter((issue) => issue.labels.some((label) => label.name === 'cvex-drift'));
    const drift = mentioning(world.workflows.drift, '@acme/security @someone-else');

    // Clean: nothing to open, nothing to close; the tag job runs with the environment's credentials.
    const clean = await runWorkflow(drift, context('schedule', commits));
    expect(clean.status, describeRun(clean)).toBe('success');
    expect(clean.job('drift').step('drift').stdout).toBe('');
    expect(clean.job('drift').step('Open or update the drift issue').outcome).toBe('skipped');
    expect(clean.job('drift').step('Close the drift issue').stdout).toBe('no open issue to close\n');
    expect(clean.job('drift').secretNames.sort()).toEqual(['QUALYS_READ_PASSWORD', 'QUALYS_READ_USERNAME']);
    expect(clean.job('tag')).toMatchObject({ status: 'success', environment: 'qualys-production' });
    expect(clean.job('tag').step('Tag stage').stdout).toMatch(/AWS \/arn:aws:s3:::acme-prod-\.\*\/ → \[cvex-reviewed\]/);
    expect(driftIssues()).toEqual([]);
    // The reminder: the exception ending in 10 days, its owner escaped so nobody is pinged by a summary.
    expect(clean.job('drift').summary).toMatch(/\| 🟡 in 10 days \| team-a-prod-logs-versioning \| \d{4}-\d{2}-\d{2} \| @&#8203;payments-team \| SEC-101 \|/);

    // Someone edits an exception in the Qualys UI: one issue, one comment that notifies; the tag stage still runs.
    const edited = world.simulator.exceptions().find((e) => e.name === 'team-a-prod-public-ip')!;
    world.simulator.editExceptionAsUi(edited.uuid, { endDate: daysFromToday(300) });
    const drifted = await runWorkflow(drift, context('schedule', commits));
    expect(drifted.job('drift').step('drift').outcome, describeRun(drifted)).toBe('success');
    expect(drifted.job('drift').outputs.exitcode).toBe('2');
    // Also reads a rotating slice of 20 managed exceptions' details: a copied marker on a broader exception is found.
    expect(drifted.job('drift').step('drift').script).toContain('npx --no-install cvex plan $CVEX_TARGET --detailed-exitcode --sample-details 20 --format markdown --out drift.json > drift.md');
    expect(drifted.job('tag').status).toBe('success');
    expect(driftIssues()).toHaveLength(1);
    const [issue] = driftIssues();
    expect(issue).toMatchObject({ state: 'open', title: 'Qualys exceptions drifted from the repository' });
    expect(issue.body.startsWith(`${DRIFT_MARKER}\n`)).toBe(true);
    expect(issue.body).toMatch(/\| 🔁 -\/\+ replace \| team-a-prod-public-ip \|.*endDate: "\d{4}-\d{2}-\d{2}" → "(\d{4}-\d{2}-\d{2})"/);
    expect(issue.body).toContain('the exemption is lifted between delete and create; the uuid changes');
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0].body).toContain('- replace `team-a-prod-public-ip` (edited-out-of-band)');
    // Only the handle CODEOWNERS lists is mentioned; the other is named as not mentioned.
    expect(issue.comments[0].body).toContain('cc @acme/security');
    expect(issue.comments[0].body).not.toContain('@someone-else');
    expect(drifted.job('drift').step('Open or update the drift issue').stdout).toContain('not mentioned (not in .github/CODEOWNERS, CODEOWNERS): @someone-else');
    expectNoSecrets(issue.body, ...issue.comments.map((c) => c.body), everything(drifted));
  });

  it('edits the issue silently while the drift stays the same, comments when it changes, closes it when clean', async () => {
    // Putting back both UI edits replaces both managed exceptions: over the default removal guards
    // (25%), so this repository allows it in its config.
    const commits = { [SHA]: repository({ config: 'version: 1\nowner: team-a\nrepository: acme/exceptions\ntimezone: UTC\nmaxDeletePercent: 100\n' }) };
    expect((await runWorkflow(world.workflows.apply, context('push', commits))).status).toBe('success');
    // The drift job alone: the tag stage is the test above's.
    const drift = withoutTag(world.workflows.drift);
    const edited = world.simulator.exceptions().find((e) => e.name === 'team-a-prod-public-ip')!;
    world.simulator.editExceptionAsUi(edited.uuid, { endDate: daysFromToday(300) });
    await runWorkflow(drift, context('schedule', commits));
    const [issue] = [...world.github.issues.values()].filter((item) => item.labels.some((label) => label.name === 'cvex-drift'));
    expect(issue.comments).toHaveLength(1);

    const same = await runWorkflow(drift, context('schedule', commits));
    expect(same.job('drift').step('Open or update the drift issue').stdout, describeRun(same)).toMatch(/^updated issue \S+\n$/);
    expect(issue.comments).toHaveLength(1);

    const other = world.simulator.exceptions().find((e) => e.name === 'team-a-prod-logs-versioning')!;
    world.simulator.editExceptionAsUi(other.uuid, { endDate: daysFromToday(20) });
    await runWorkflow(drift, context('schedule', commits));
    expect(issue.comments).toHaveLength(2);
    expect(issue.comments[1].body).toContain('now 2 differences');
    expect(issue.comments[1].body).not.toContain('cc ');

    // The next apply puts it back; the drift run after it closes the issue.
    expect((await runWorkflow(world.workflows.apply, context('workflow_dispatch', commits))).status).toBe('success');
    const cleanAgain = await runWorkflow(drift, context('schedule', commits));
    expect(cleanAgain.job('drift').step('Close the drift issue').outcome, describeRun(cleanAgain)).toBe('success');
    expect(issue.state).toBe('closed');
    expect(issue.comments.at(-1)?.body).toContain('Clean again');
  });

  it('skips while an apply is queued or running: no request to Qualys, no tag stage', async () => {
    world.github.workflowRuns.set('exceptions-apply.yml', [{ id: 9, status: 'in_progress', html_url: 'https://github.example/acme/exceptions/actions/runs/9' }]);
    const run = await runWorkflow(world.workflows.drift, context('schedule', { [SHA]: repository() }));
    expect(run.status, describeRun(run)).toBe('success');
    expect(run.job('drift').step('busy').stdout).toContain('::notice title=cvex drift skipped::exceptions-apply.yml is queued or running');
    expect(run.job('drift').step('drift').outcome).toBe('skipped');
    expect(run.job('tag').status).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
  });

  it('secrets not set: an error, not drift (only 0 and 2 are answers); no issue is opened, no tag stage', async () => {
    const run = await runWorkflow(world.workflows.drift, { ...context('schedule', { [SHA]: repository() }), secrets: {} });
    expect(run.status).toBe('failure');
    expect(run.job('drift').step('drift')).toMatchObject({ outcome: 'failure', exitCode: 1 });
    expect(run.job('drift').outputs.exitcode).toBe('1');
    expect(run.job('drift').step('drift').stderr).toContain('QUALYS_USERNAME');
    expect(run.job('drift').step('Open or update the drift issue').outcome).toBe('skipped');
    expect(run.job('drift').step('Close the drift issue').outcome).toBe('skipped');
    expect(run.job('tag').status).toBe('skipped');
    expect(world.simulator.counters().total).toBe(0);
    expect(world.github.requests.map((request) => request.path)).toEqual(['/repos/acme/exceptions/actions/workflows/exceptions-apply.yml/runs?per_page=50']);
  });

  it('an error (not drift) fails the job, leaves the issue alone and runs no tag stage', async () => {
    const run = await runWorkflow(world.workflows.drift, { ...context('schedule', { [SHA]: repository() }), secrets: { QUALYS_READ_USERNAME: 'someone', QUALYS_READ_PASSWORD: 'wrong' } });
    expect(run.status).toBe('failure');
    expect(run.job('drift').step('drift').outcome).toBe('failure');
    expect(run.job('drift').step('Open or update the drift issue').outcome).toBe('skipped');
    expect(run.job('drift').step('Close the drift issue').outcome).toBe('skipped');
    expect(run.job('tag').status).toBe('skipped');
    expect(world.github.requests.map((request) => request.path)).toEqual(['/repos/acme/exceptions/actions/workflows/exceptions-apply.yml/runs?per_page=50']);
  });
});
