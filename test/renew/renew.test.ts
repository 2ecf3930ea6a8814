// `cvex renew` edits manifests in place: only the bytes that must change do (checked byte for
// byte against the file as written, comments and layout included).
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/command-line/io';
import { editExceptionFields } from '../../src/renew/edit-manifest';
import { addDays, planRenewalDates } from '../../src/renew/renewal-dates';
import { localDateOf } from '../../src/model/dates';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cvex-renew-'));
  await mkdir(path.join(dir, 'policies'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function cvex(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {}, cwd: dir };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const write = (file: string, text: string) => writeFile(path.join(dir, file), text);
const read = (file: string) => readFile(path.join(dir, file), 'utf8');

// A hand-written manifest: comments everywhere, a flow mapping, an anchor, odd spacing.
const COMMENTED = `# yaml-language-server: $schema=../schemas/exception-manifest.schema.json
# Platform security's AWS exceptions. Reviewed quarterly.
version: 1
defaults:                       # merged into every exception
  cloudType: AWS
  exceptionReason: Risk Accepted
  startDate: "2026-11-01"
  endDate: "2027-01-31"         # the quarter's end: most exceptions share it
  metadata: { owner: platform-security }

exceptions:
  # The bastion stays until the VPN is rolled out.
  - name: aws-prod-bastion-ssh  # SEC-1042
    exceptionScope: RESOURCE
    explanation: >-
      Bastion SSH stays reachable until
      the client VPN replaces it.
    controlIds: [67]            # only SSH
    resources:
      - { resourceId: "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", accountId: "123456789012" }
    metadata: { ticket: SEC-1042 }

  - name: aws-sandbox-s3        # own date, single-quoted
    exceptionScope: CONNECTOR
    explanation: The sandbox is rebuilt nightly.
    endDate: '2027-02-28'       # keep the quotes
    controlIds: [2, 3]
    accountIds: ["555566667777"]

  - name: aws-shared-a
    exceptionScope: CONNECTOR
    explanation: Shared A.
    endDate: &shared-end 2027-03-31
    controlIds: [4]
    accountIds: ["555566667777"]

  - name: aws-shared-b
    exceptionScope: CONNECTOR
    explanation: Shared B.
    endDate: *shared-end        # same as A
    controlIds: [5]
    accountIds: ["555566667777"]

  - { name: aws-flow, exceptionScope: CONNECTOR, explanation: Flow style., controlIds: [6], accountIds: ["555566667777"] }
`;

describe('cvex renew', () => {
  it('adds an override when the endDate comes from defaults: one line, nothing else', async () => {
    await write('policies/aws.yaml', COMMENTED);
    const result = await cvex(['renew', 'aws-prod-bastion-ssh', '--until', '2027-04-30', '--now', '2026-11-30']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('aws-prod-bastion-ssh  policies/aws.yaml: endDate 2027-01-31 → 2027-04-30 (was inherited from defaults: override added)');
    expect(await read('policies/aws.yaml')).toBe(
      COMMENTED.replace('  - name: aws-prod-bastion-ssh  # SEC-1042\n', '  - name: aws-prod-bastion-ssh  # SEC-1042\n    endDate: "2027-04-30"\n'),
    );
    // The others still read the shared date: validate and plan see exactly one change.
    const validate = await cvex(['validate', '--format', 'json']);
    expect(validate.code, validate.stdout).toBe(0);
  });

  it('replaces an own value in its quoting style, an alias by its value, and a flow mapping gets ", endDate: ..."', async () => {
    await write('policies/aws.yaml', COMMENTED);
    const result = await cvex(['renew', 'aws-sandbox-s3', 'aws-shared-b', 'aws-flow', '--by', '30d', '--now', '2026-11-30']);
    expect(result.code, result.stderr).toBe(0);
    expect(await read('policies/aws.yaml')).toBe(
      COMMENTED.replace("    endDate: '2027-02-28'       # keep the quotes", "    endDate: '2027-03-30'       # keep the quotes")
        .replace('    endDate: *shared-end        # same as A', '    endDate: 2027-04-30        # same as A')
        .replace('{ name: aws-flow, exceptionScope', '{ name: aws-flow, endDate: "2027-03-02", exceptionScope'),
    );
    expect(result.stdout).toContain('aws-shared-b  policies/aws.yaml: endDate 2027-03-31 → 2027-04-30 (was an alias: now its own value)');
  });

  it('refuses to change an anchor other exceptions use, and writes nothing at all', async () => {
    await write('policies/aws.yaml', COMMENTED);
    const result = await cvex(['renew', 'aws-sandbox-s3', 'aws-shared-a', '--until', '2027-05-31', '--now', '2026-11-30']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('endDate of aws-shared-a is the anchor &shared-end, which 1 other place(s) use');
    expect(result.stderr).toContain('cvex renew: nothing was changed.');
    expect(await read('policies/aws.yaml')).toBe(COMMENTED);
  });

  it('governance: moves startDate to today when the span would be too long, refuses past today + max', async () => {
    await write('cvex.config.yaml', 'version: 1\ntimezone: Asia/Kolkata\ngovernance:\n  maxDurationDays: { Risk Accepted: 180 }\n');
    await write('policies/aws.yaml', COMMENTED);
    // 2026-11-01 → 2027-05-15 is 195 days: the start moves to today, Kolkata's day (already 2026-12-01 there).
    const moved = await cvex(['renew', 'aws-prod-bastion-ssh', '--until', '2027-05-15', '--now', '2026-12-01']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('startDate 2026-11-01 → 2026-12-01 (was inherited from defaults: override added) to stay within 180 days');
    expect(await read('policies/aws.yaml')).toBe(
      COMMENTED.replace('  - name: aws-prod-bastion-ssh  # SEC-1042\n', '  - name: aws-prod-bastion-ssh  # SEC-1042\n    startDate: "2026-12-01"\n    endDate: "2027-05-15"\n'),
    );
    const tooLong = await cvex(['renew', 'aws-sandbox-s3', '--until', '2027-06-30', '--now', '2026-12-01']);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain("aws-sandbox-s3: 2027-06-30 is 211 days from today (2026-12-01); 'Risk Accepted' exceptions may last at most 180 days (governance.maxDurationDays): renew until 2027-05-30 at the latest");
  });

  it("without --now, today is the subscription zone's day", async () => {
    await write('cvex.config.yaml', 'version: 1\ntimezone: Pacific/Kiritimati\ngovernance:\n  maxDurationDays: { Other: 60 }\n');
    await write('policies/aws.yaml', 'version: 1\nexceptions:\n  - name: x\n    cloudType: AWS\n    exceptionReason: Other\n    exceptionScope: CONNECTOR\n    explanation: x.\n    startDate: "2026-01-01"\n    endDate: "2026-02-01"\n    controlIds: [1]\n    accountIds: ["123456789012"]\n');
    const today = localDateOf(new Date(), 'Pacific/Kiritimati');
    const result = await cvex(['renew', 'x', '--until', addDays(today, 30), '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ today, timeZone: 'Pacific/Kiritimati', renewed: [{ startDate: { before: '2026-01-01', after: today, how: 'replaced' } }] });
  });

  it('today comes from the subscription time zone', () => {
    const rules = { maxDurationDays: { 'Risk Accepted': 10 } } as const;
    const spec = { name: 'x', startDate: '2026-01-01', endDate: '2026-01-05', exceptionReason: 'Risk Accepted' } as const;
    expect(planRenewalDates(spec, { until: '2026-01-20' }, '2026-01-12', rules)).toMatchObject({ ok: true, startDate: '2026-01-12' });
    expect(planRenewalDates(spec, { until: '2026-01-20' }, '2026-01-09', rules)).toMatchObject({ ok: false });
    expect(planRenewalDates(spec, { byDays: 3 }, '2026-01-02', undefined)).toEqual({ ok: true, endDate: '2026-01-08', previousEndDate: '2026-01-05', previousStartDate: '2026-01-01' });
    expect(planRenewalDates(spec, { until: '2026-01-05' }, '2026-01-02', undefined)).toMatchObject({ ok: false, reason: expect.stringContaining('renew only extends') });
  });

  it('keeps CRLF line endings, and refuses unknown names, invalid manifests and bad flags', async () => {
    const crlf = 'version: 1\r\ndefaults: { endDate: "2027-01-31" }\r\nexceptions:\r\n  - name: a\r\n    x: 1\r\n';
    const edited = editExceptionFields(crlf, [{ name: 'a', fields: { endDate: '2027-02-28' } }]);
    expect(edited).toEqual({ ok: true, text: crlf.replace('  - name: a\r\n', '  - name: a\r\n    endDate: "2027-02-28"\r\n'), applied: [{ name: 'a', field: 'endDate', how: 'added' }] });

    await write('policies/aws.yaml', COMMENTED);
    const unknown = await cvex(['renew', 'aws-nope', '--by', '30d']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('aws-nope: no exception of that name in the manifests');
    expect((await cvex(['renew', 'x', '--by', '30d', '--until', '2027-01-01'])).stderr).toContain('pass either --until or --by, not both');
    expect((await cvex(['renew', 'x', '--by', '3 months'])).code).toBe(2);
    expect((await cvex(['renew', '--by', '30d'])).stderr).toContain('name the exceptions to renew');

    await write('policies/broken.yaml', 'version: 1\nexceptions:\n  - name: broken\n');
    const invalid = await cvex(['renew', 'aws-sandbox-s3', '--by', '30d']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('the manifests have errors: fix them first');
    expect(await read('policies/aws.yaml')).toBe(COMMENTED);
  });

  it('--dry-run --format json says what would change and writes nothing', async () => {
    await write('policies/aws.yaml', COMMENTED);
    const result = await cvex(['renew', 'aws-flow', '--by', '2w', '--dry-run', '--format', 'json', '--now', '2026-11-30']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      version: 1,
      today: '2026-11-30',
      timeZone: 'UTC',
      dryRun: true,
      renewed: [{ name: 'aws-flow', file: 'policies/aws.yaml', endDate: { before: '2027-01-31', after: '2027-02-14', how: 'added' } }],
      files: ['policies/aws.yaml'],
    });
    expect(await read('policies/aws.yaml')).toBe(COMMENTED);
  });
});
