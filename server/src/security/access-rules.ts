// THE access rules of the GraphQL API, in one place: every query, mutation and subscription,
// plus sensitive fields of object types, keyed by schema coordinate ("Type.field").
//
// A new operation declares its rule here, or it is denied to everyone (and the role-matrix
// test, server/src/security/access-rules.test.ts, fails naming it). House rule: queries and
// subscriptions VIEWER, mutations DEVELOPER with ownership checked in the service, ADMIN where
// it concerns other users or the whole installation.
import type { AccessRule } from './access-control.ts';
import { Role } from './roles.ts';

const { ADMIN, DEVELOPER, VIEWER } = Role;

export const ACCESS_RULES = {
  // system
  'Query.health': 'public', // load balancers and the login page read it
  'Subscription.heartbeat': 'public', // proves the live link on the sign-in page; carries only a clock

  // auth: anyone may try to sign in; the rest acts on the caller's own account
  'Mutation.login': 'public',
  'Mutation.refreshSession': 'public', // the refresh token is the credential
  'Mutation.logout': VIEWER,
  'Mutation.changePassword': VIEWER,
  'Query.me': VIEWER,
  'Query.myApiKeys': VIEWER,
  'Query.mySessions': VIEWER,
  'Mutation.revokeSession': VIEWER, // own sessions; ADMIN anyone's (checked in the service)
  'Mutation.createApiKey': VIEWER, // role capped at the caller's own
  'Mutation.revokeApiKey': VIEWER, // own keys; ADMIN anyone's (checked in the service)

  // admin
  'Query.users': ADMIN,
  'Query.user': ADMIN,
  'Mutation.createUser': ADMIN,
  'Mutation.setUserRole': ADMIN,
  'Mutation.disableUser': ADMIN,
  'Mutation.enableUser': ADMIN,
  'Mutation.resetUserPassword': ADMIN,
  'Query.apiKeys': ADMIN,
  'Query.auditLog': ADMIN,

  // models
  'Query.models': VIEWER,
  'Query.model': VIEWER,
  'Query.modelVersion': VIEWER,
  'Query.modelVersions': VIEWER,
  'Query.modelPresets': VIEWER,
  'Mutation.createModel': DEVELOPER,
  'Mutation.updateModel': DEVELOPER, // owner or ADMIN
  'Mutation.deleteModel': DEVELOPER, // owner or ADMIN
  'Mutation.createModelVersion': DEVELOPER, // owner of the model or ADMIN
  'Query.modelVersionByTag': VIEWER,
  'Query.compareModelVersions': VIEWER,
  'Mutation.tagModelVersion': DEVELOPER, // owner of the model or ADMIN
  'Mutation.untagModelVersion': DEVELOPER, // owner of the model or ADMIN
  'Mutation.importModel': DEVELOPER, // from the caller's own upload; serverPath only for ADMIN (checked in ModelImportService)

  // datasets: uploads (POST /api/uploads, DEVELOPER) and datasets belong to who made them; the
  // samples seeded at first start to the first admin, datasets from before owners to no one
  // (admins only). Ownership is checked in DatasetsService.
  'Query.datasets': VIEWER,
  'Query.dataset': VIEWER,
  'Query.datasetVersion': VIEWER,
  'Query.datasetRecords': VIEWER, // whoever may read the dataset reads its records
  'Query.pipelinePlugins': VIEWER,
  'Mutation.createDataset': DEVELOPER, // from the caller's own upload(s); ADMIN anyone's
  'Mutation.runDatasetPipeline': DEVELOPER, // owner of the dataset or ADMIN
  'Mutation.deleteDataset': DEVELOPER, // owner or ADMIN

  // training runs: VIEWERs watch; DEVELOPERs train their own models and control their own runs; ADMIN any (checked in the service)
  'Query.trainingRuns': VIEWER,
  'Query.trainingRun': VIEWER,
  'Subscription.runUpdated': VIEWER,
  'Subscription.runMetrics': VIEWER,
  'Query.runLogs': VIEWER, // as reading the run
  'Subscription.runLogAdded': VIEWER,
  'Mutation.startTrainingRun': DEVELOPER, // owner of the model or ADMIN
  'Mutation.pauseRun': DEVELOPER, // owner of the run or ADMIN
  'Mutation.resumeRun': DEVELOPER, // owner of the run or ADMIN
  'Mutation.cancelRun': DEVELOPER, // owner of the run or ADMIN

  // evaluation: reads a model version; any DEVELOPER may evaluate (results are shared)
  'Query.evaluationMetrics': VIEWER,
  'Query.evaluations': VIEWER,
  'Query.evaluation': VIEWER,
  'Mutation.evaluate': DEVELOPER,

  // background jobs: each user sees and follows their own jobs, ADMIN everyone's (checked in JobsService)
  'Query.job': VIEWER,
  'Query.jobs': VIEWER,
  'Subscription.jobUpdated': VIEWER,
  'Subscription.myJobUpdated': VIEWER,
  'Mutation.cancelJob': DEVELOPER, // owner of the job or ADMIN

  // model artifacts: read as their versions (GET /api/artifacts/:id/download too); any DEVELOPER exports
  'Query.modelArtifacts': VIEWER,
  'Query.modelArtifact': VIEWER,
  'Mutation.exportModelVersion': DEVELOPER,
  'Mutation.deleteModelArtifact': DEVELOPER, // owner of the model, creator of the artifact or ADMIN

  // sensitive fields
  // 'self': the user themselves or an ADMIN
  'User.lastLoginAt': 'self',
  'User.disabledAt': 'self',
} satisfies Record<string, AccessRule>;
