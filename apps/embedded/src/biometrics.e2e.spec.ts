import {
  groupFaceImage,
  hugePngImage,
  noFaceImage,
  notAnImage,
  SAMPLE_FACES,
  sampleFaceImage,
  tinyFaceImage,
  truncatedFaceImage,
  uniqueName,
} from '@identity-store/testing';
import pg from 'pg';
import { type HttpAnswer, useE2eSystem } from './testing/e2e-system';

/**
 * Face biometrics end to end through the gateway with the real model (@vladmandic/human's faceres
 * on the WASM backend, in the matcher's worker pool): enrolment, 1:1 matching of variants of one
 * face (accepted) and of other people's faces (refused), liveness when the policy requires it,
 * client-reported failures, lockout, re-enrolment, every bad image refused with nothing changed,
 * and templates that never leave the service. The images derive from @vladmandic/face-api's samples
 * (libs/testing faces).
 */

const [ALICE_FACE, BOB_FACE, CAROL_FACE] = [SAMPLE_FACES[0]!, SAMPLE_FACES[5]!, SAMPLE_FACES[13]!];
const b64 = (image: Buffer) => image.toString('base64');

describe('face biometrics end to end (real model, worker pool)', () => {
  const { call, api, system } = useE2eSystem('e2e_bio', { transport: { kind: 'in-process' } });
  const storeName = uniqueName('bio');
  const user = (id: string) => (path: string) => api(`/${storeName}/users/${id}${path}`);
  const newUser = async (extId: string) => {
    const created = await call('POST', api(`/${storeName}/users`), { extId });
    expect(created.status).toBe(200);
    return created.body.id as string;
  };
  const enrol = async (id: string, image: Buffer) => call('POST', user(id)('/biometrics/face'), { image: b64(image), context: { kiosk: 'k1' } });
  const authenticate = (id: string, image: Buffer) => call('POST', user(id)('/biometrics/authentications/face'), { image: b64(image) });
  const expectProblem = (answer: HttpAnswer, status: number, code: string) =>
    expect([answer.status, answer.body.code]).toEqual([status, code]);

  it('sets up a store whose biometric policy locks after 3 failures', async () => {
    expect((await call('POST', api(''), { name: storeName, biometricPolicy: { maxFailedAttempts: 3 } })).status).toBe(201);
  });

  it('enrols a face: 200 with the user, summaryInfo.biometrics, and a registration audit without the template', async () => {
    const id = await newUser('enrol');
    const enrolled = await enrol(id, await sampleFaceImage(ALICE_FACE));
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.summaryInfo.biometrics).toMatchObject({ count: 1, items: [{ status: 'ACTIVE', type: 'face' }] });
    const biometricId: string = enrolled.body.summaryInfo.biometrics.items[0].id;
    const audit = await call('GET', user(id)(`/biometrics/${biometricId}/registrationAudit`));
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ type: 'Face', context: { kiosk: 'k1' }, biometricRegistrationAuditInfo: { type: 'face' } });
    const listed = await call('GET', user(id)('/biometrics'));
    expect(listed.body.content).toEqual([expect.objectContaining({ id: biometricId, type: 'face' })]);
    expect(JSON.stringify([enrolled.body, audit.body, listed.body])).not.toMatch(/template|embedding/i);
  });

  it('accepts variants of the enrolled face (rotated, darker, another margin) and refuses other people', async () => {
    const id = await newUser('match');
    expect((await enrol(id, await sampleFaceImage(ALICE_FACE))).status).toBe(200);
    for (const variant of ['rotatedLeft', 'darker', 'tighterMargin'] as const) {
      const answer = await authenticate(id, await sampleFaceImage(ALICE_FACE, variant));
      expect([variant, answer.status, answer.body.result]).toEqual([variant, 200, 'SUCCESS']);
      expect(answer.body.score).toBeGreaterThanOrEqual(0.5);
    }
    const impostor = await authenticate(id, await sampleFaceImage(BOB_FACE));
    expect([impostor.status, impostor.body.result, impostor.body.reason]).toEqual([400, 'FAILURE', 'NO_MATCH']);
    expect(impostor.body.user.summaryInfo.lastAuthentication).toMatchObject({ type: 'Face', result: 'FAILURE' });
    const audit = await call('GET', user(id)(`/authentications/${impostor.body.authenticationId}`));
    expect(audit.body).toMatchObject({ type: 'Face', result: 'FAILURE', reason: 'NO_MATCH', biometricAuditInfo: { clientReported: false, failedAttempts: 1 } });
    expect(audit.body.biometricAuditInfo.score).toBeLessThan(audit.body.biometricAuditInfo.threshold);
  });

  it('refuses every bad image with its code and changes nothing (the failure count stays)', async () => {
    const id = await newUser('bad-images');
    expect((await enrol(id, await sampleFaceImage(CAROL_FACE))).status).toBe(200);
    const cases: Array<[string, Buffer, string]> = [
      ['not an image', notAnImage(), 'INVALID_IMAGE'],
      ['truncated JPEG', await truncatedFaceImage(), 'INVALID_IMAGE'],
      ['50-megapixel PNG', await hugePngImage(), 'IMAGE_TOO_LARGE'],
      ['no face', await noFaceImage(), 'FACE_NOT_FOUND'],
      ['several faces', await groupFaceImage(), 'MULTIPLE_FACES'],
      ['a tiny face', await tinyFaceImage(CAROL_FACE, 40), 'LOW_QUALITY'],
    ];
    for (const [label, image, code] of cases) {
      const answer = await authenticate(id, image);
      expect([label, answer.status, answer.body.code, answer.body.errors?.[0]?.path]).toEqual([label, 400, code, 'body.image']);
    }
    const unsupported = await call('POST', user(id)('/biometrics/iris'), { image: b64(notAnImage()) });
    expect([unsupported.status, unsupported.body.code, unsupported.body.errors[0].path]).toEqual([400, 'UNSUPPORTED_BIOMETRIC_TYPE', 'params.type']);
    // Nothing was counted: the next real failure is the first.
    const failed = await authenticate(id, await sampleFaceImage(BOB_FACE));
    const audit = await call('GET', user(id)(`/authentications/${failed.body.authenticationId}`));
    expect(audit.body.biometricAuditInfo.failedAttempts).toBe(1);
  });

  it('locks after the policy’s maximum of failures (client-reported ones count): 423 even for the right face', async () => {
    const id = await newUser('lockout');
    expect((await enrol(id, await sampleFaceImage(ALICE_FACE))).status).toBe(200);
    const reported = await call('POST', user(id)('/biometrics/authentications/failure'), { reason: 'LIVENESS', context: { sdk: '2.1' } });
    expect([reported.status, reported.body.summaryInfo.lastAuthentication.result]).toEqual([200, 'FAILURE']);
    expect((await authenticate(id, await sampleFaceImage(BOB_FACE))).body.reason).toBe('NO_MATCH');
    expect((await authenticate(id, await sampleFaceImage(CAROL_FACE))).body.reason).toBe('NO_MATCH');
    expectProblem(await authenticate(id, await sampleFaceImage(ALICE_FACE)), 423, 'BIOMETRIC_LOCKED');
    expectProblem(await enrol(id, await sampleFaceImage(BOB_FACE)), 423, 'BIOMETRIC_LOCKED');
    const read = await call('GET', user(id)(''));
    expect(read.body.summaryInfo.biometrics.items[0].status).toBe('LOCKED');
  });

  it('with livenessRequired, a probe below the liveness threshold fails as LIVENESS', async () => {
    const id = await newUser('liveness');
    expect((await enrol(id, await sampleFaceImage(ALICE_FACE))).status).toBe(200);
    // No spoof can be made here: a threshold no photo reaches stands in for one.
    expect((await call('POST', api(`/${storeName}/biometricPolicy`), { livenessRequired: true, livenessThreshold: 1 })).status).toBe(200);
    try {
      const answer = await authenticate(id, await sampleFaceImage(ALICE_FACE, 'darker'));
      expect([answer.status, answer.body.reason]).toEqual([400, 'LIVENESS']);
    } finally {
      await call('POST', api(`/${storeName}/biometricPolicy`), { livenessRequired: false });
    }
  });

  it('re-enrolment replaces the template: the old face no longer matches, the new one does', async () => {
    const id = await newUser('re-enrol');
    await enrol(id, await sampleFaceImage(ALICE_FACE));
    const again = await enrol(id, await sampleFaceImage(BOB_FACE));
    expect([again.status, again.body.summaryInfo.biometrics.count]).toEqual([200, 1]);
    expect((await authenticate(id, await sampleFaceImage(ALICE_FACE, 'brighter'))).body.reason).toBe('NO_MATCH');
    expect((await authenticate(id, await sampleFaceImage(BOB_FACE, 'brighter'))).body.result).toBe('SUCCESS');
    const deleted = await call('DELETE', user(id)('/biometrics/face'));
    expect([deleted.status, deleted.body.summaryInfo.biometrics.count]).toEqual([200, 0]);
    expectProblem(await authenticate(id, await sampleFaceImage(BOB_FACE)), 404, 'BIOMETRIC_NOT_ENROLLED');
  });

  it('stores templates only encrypted and publishes neither templates nor images', async () => {
    await system().drainOutboxes();
    const client = new pg.Client({ connectionString: system().databases.biometric });
    await client.connect();
    try {
      const outbox = await client.query<{ value: string }>('SELECT value FROM outbox');
      expect(outbox.rows.length).toBeGreaterThan(5);
      for (const { value } of outbox.rows) expect(value).not.toMatch(/encryptedTemplate|embedding|image/);
      const stored = await client.query<{ data: { encryptedTemplate?: string } }>(
        `SELECT data FROM events WHERE type = 'BiometricEnrolled'`,
      );
      expect(stored.rows.length).toBeGreaterThan(0);
      for (const { data } of stored.rows) expect(data.encryptedTemplate).toMatch(/^v\d/);
    } finally {
      await client.end();
    }
  });
});
