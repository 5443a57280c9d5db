import {
  completePasscodeAuthenticationBodySchema,
  completePasscodeRegistrationBodySchema,
  completePasscodeRenewalBodySchema,
  notFound,
  pageOfItems,
  pageQuerySchema,
  policyNameSchema,
  storeNameSchema,
  updatePasscodeBodySchema,
  ownEntry,
} from '@identity-store/contracts';
import {
  requestMetadata,
  type Router,
  userPathParams,
  userScopedRoutes,
  validate,
} from '@identity-store/http-kit';
import { userRefOf } from '@identity-store/service-clients';
import { z } from 'zod';
import { findByPolicy, listPasscodeResources, toPasscodeResource } from '../domain/passcode-views';
import type { PasscodeService } from '../passcode-service';

const policyParams = userPathParams.extend({ policyName: policyNameSchema });
const idParams = userPathParams.extend({ id: z.string().min(1).max(64) });
const sessionParams = z.object({ storeName: storeNameSchema, sessionId: z.string().min(1).max(64) });
const sessionPath = (ceremony: string) =>
  `/api/identity-store/stores/:storeName/passcodes/${ceremony}/sessions/:sessionId`;

/**
 * Passcode routes. User-scoped ones are mounted twice: by internal user id and, with a trailing
 * `/ext`, by external id, exactly as the operation table lists them. Ceremonies complete on
 * store-level session paths.
 */
export const passcodeRoutes = (passcodes: PasscodeService): Router => {
  const { router, on } = userScopedRoutes('passcodes');

  on('post', '/registrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    res
      .status(201)
      .json(
        await passcodes.startRegistration(
          params.storeName,
          userRefOf(params),
          params.policyName,
          requestMetadata(req),
        ),
      );
  });

  router.post(sessionPath('registrations'), async (req, res) => {
    const { params, body } = validate(req, {
      params: sessionParams,
      body: completePasscodeRegistrationBodySchema,
    });
    res.json(
      await passcodes.completeRegistration(params.storeName, params.sessionId, body, requestMetadata(req)),
    );
  });

  on('get', '/registrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { store, state, now } = await passcodes.state(params.storeName, userRefOf(params));
    if (!ownEntry(store.passcodePolicies, params.policyName))
      throw notFound('POLICY_NOT_FOUND', `Passcode policy ${params.policyName} does not exist.`);
    const passcode = findByPolicy(state, params.policyName);
    if (!passcode)
      throw notFound('PASSCODE_NOT_FOUND', `No passcode registered for policy ${params.policyName}.`);
    res.json(toPasscodeResource(passcode, now));
  });

  on('post', '/authentications/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const started = await passcodes.startChallenge(
      'StartPasscodeAuthentication',
      params.storeName,
      userRefOf(params),
      params.policyName,
      requestMetadata(req),
    );
    res.status(201).json(started);
  });

  router.post(sessionPath('authentications'), async (req, res) => {
    const { params, body } = validate(req, {
      params: sessionParams,
      body: completePasscodeAuthenticationBodySchema,
    });
    const outcome = await passcodes.completeAuthentication(
      params.storeName,
      params.sessionId,
      body,
      requestMetadata(req),
    );
    res.status(outcome.result === 'SUCCESS' ? 200 : 400).json(outcome);
  });

  on('post', '/renewals/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const started = await passcodes.startChallenge(
      'StartPasscodeRenewal',
      params.storeName,
      userRefOf(params),
      params.policyName,
      requestMetadata(req),
    );
    res.status(201).json(started);
  });

  router.post(sessionPath('renewals'), async (req, res) => {
    const { params, body } = validate(req, {
      params: sessionParams,
      body: completePasscodeRenewalBodySchema,
    });
    const outcome = await passcodes.completeRenewal(
      params.storeName,
      params.sessionId,
      body,
      requestMetadata(req),
    );
    res.status(outcome.result === 'SUCCESS' ? 200 : 400).json(outcome);
  });

  on('post', '/deregistrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { user, events } = await passcodes.change(
      params.storeName,
      userRefOf(params),
      { type: 'DeregisterPasscode', policyName: params.policyName },
      requestMetadata(req),
    );
    res.json(await passcodes.userView(user, events));
  });

  on('get', '', async (req, res) => {
    const { params, query } = validate(req, { params: userPathParams, query: pageQuerySchema });
    const { state, now } = await passcodes.state(params.storeName, userRefOf(params));
    res.json(pageOfItems(listPasscodeResources(state, now), query));
  });

  const requirePasscode = async (params: z.output<typeof idParams>) => {
    const { state, now } = await passcodes.state(params.storeName, userRefOf(params));
    const passcode = ownEntry(state.passcodes, params.id);
    if (!passcode) throw notFound('PASSCODE_NOT_FOUND', `Passcode ${params.id} does not exist.`);
    return toPasscodeResource(passcode, now);
  };

  on('get', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    res.json(await requirePasscode(params));
  });

  on('post', '/:id', async (req, res) => {
    const { params, body } = validate(req, { params: idParams, body: updatePasscodeBodySchema });
    await passcodes.change(
      params.storeName,
      userRefOf(params),
      { type: 'UpdatePasscode', passcodeId: params.id, ...body },
      requestMetadata(req),
    );
    res.json(await requirePasscode(params));
  });

  on('delete', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    await passcodes.change(
      params.storeName,
      userRefOf(params),
      { type: 'DeletePasscode', passcodeId: params.id },
      requestMetadata(req),
    );
    res.status(204).end();
  });

  return router;
};
