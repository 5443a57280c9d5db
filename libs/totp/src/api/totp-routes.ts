import {
  authenticateTotpBodySchema,
  completeTotpRegistrationBodySchema,
  notFound,
  pageOfItems,
  pageQuerySchema,
  policyNameSchema,
  updateTotpBodySchema,
  ownEntry,
} from '@identity-store/contracts';
import { requestMetadata, type Router, userPathParams, userScopedRoutes, validate } from '@identity-store/http-kit';
import { userRequestOf } from '@identity-store/credential-kit';
import { userRefOf } from '@identity-store/service-clients';
import { z } from 'zod';
import { findByPolicy, listTotpResources, toTotpResource } from '../domain/totp-views';
import type { TotpService } from '../totp-service';

const policyParams = userPathParams.extend({ policyName: policyNameSchema });
const idParams = userPathParams.extend({ id: z.string().min(1).max(64) });

/**
 * TOTP routes. Each is mounted twice: by internal user id and, with a trailing `/ext`, by
 * external id (the `:extId` parameter), exactly as the operation table lists them.
 */
export const totpRoutes = (totp: TotpService): Router => {
  const { router, on } = userScopedRoutes('totps');

  on('post', '/registrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    res.status(201).json(await totp.startRegistration(userRequestOf(params, requestMetadata(req)), params.policyName));
  });

  on('post', '/registrations/:policyName/complete', async (req, res) => {
    const { params, body } = validate(req, { params: policyParams, body: completeTotpRegistrationBodySchema });
    res.json(await totp.completeRegistration(userRequestOf(params, requestMetadata(req)), params.policyName, body.code));
  });

  on('get', '/registrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { store, state, now } = await totp.state(params.storeName, userRefOf(params));
    if (!ownEntry(store.totpPolicies, params.policyName)) throw notFound('POLICY_NOT_FOUND', `TOTP policy ${params.policyName} does not exist.`);
    const credential = findByPolicy(state, params.policyName);
    if (!credential) throw notFound('TOTP_NOT_FOUND', `No TOTP registered for policy ${params.policyName}.`);
    res.json(toTotpResource(credential, now));
  });

  on('post', '/authentications/:policyName', async (req, res) => {
    const { params, body } = validate(req, { params: policyParams, body: authenticateTotpBodySchema });
    const outcome = await totp.authenticate(userRequestOf(params, requestMetadata(req)), params.policyName, body);
    res.status(outcome.result === 'SUCCESS' ? 200 : 400).json(outcome);
  });

  on('post', '/deregistrations/:policyName', async (req, res) => {
    const { params } = validate(req, { params: policyParams });
    const { user, events } = await totp.change(userRequestOf(params, requestMetadata(req)), { type: 'DeregisterTotp', policyName: params.policyName });
    res.json(await totp.userView(user, events));
  });

  on('get', '', async (req, res) => {
    const { params, query } = validate(req, { params: userPathParams, query: pageQuerySchema });
    const { state, now } = await totp.state(params.storeName, userRefOf(params));
    res.json(pageOfItems(listTotpResources(state, now), query));
  });

  const requireCredential = async (params: z.output<typeof idParams>) => {
    const { state, now } = await totp.state(params.storeName, userRefOf(params));
    const credential = ownEntry(state.credentials, params.id);
    if (!credential) throw notFound('TOTP_NOT_FOUND', `TOTP ${params.id} does not exist.`);
    return toTotpResource(credential, now);
  };

  on('get', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    res.json(await requireCredential(params));
  });

  on('post', '/:id', async (req, res) => {
    const { params, body } = validate(req, { params: idParams, body: updateTotpBodySchema });
    await totp.change(userRequestOf(params, requestMetadata(req)), { type: 'UpdateTotp', credentialId: params.id, status: body.status });
    res.json(await requireCredential(params));
  });

  on('delete', '/:id', async (req, res) => {
    const { params } = validate(req, { params: idParams });
    await totp.change(userRequestOf(params, requestMetadata(req)), { type: 'DeleteTotp', credentialId: params.id });
    res.status(204).end();
  });

  return router;
};
