import type { BiometricResource } from '@identity-store/contracts';
import type { BiometricUserState } from './biometric';

/** The user's enrolled biometrics as the API shows them: never the template. */
export const biometricResourcesOf = (state: BiometricUserState): BiometricResource[] =>
  state.face
    ? [
        {
          id: state.face.biometricId,
          type: 'face',
          model: state.face.model,
          lockedUntil: state.lockedUntil,
          createdDtm: state.face.enrolledDtm,
          lastUsedDtm: state.face.lastUsedDtm,
        },
      ]
    : [];
