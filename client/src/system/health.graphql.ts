import { gql } from '@urql/core';

export interface HealthData {
  health: {
    status: string;
    version: string;
    nodeVersion: string;
    databaseEngine: string;
    databaseReachable: boolean;
    instanceId: string;
    uptimeSeconds: number;
    native: {
      loaded: boolean;
      libtorchVersion: string | null;
      cudaAvailable: boolean;
      error: string | null;
      devices: Array<{ type: string; index: number; name: string; totalMemoryBytes: number }>;
    };
  };
}

export const HEALTH_QUERY = gql<HealthData>`
  query Health {
    health {
      status
      version
      nodeVersion
      databaseEngine
      databaseReachable
      instanceId
      uptimeSeconds
      native {
        loaded
        libtorchVersion
        cudaAvailable
        error
        devices {
          type
          index
          name
          totalMemoryBytes
        }
      }
    }
  }
`;

export interface HeartbeatData {
  heartbeat: { serverTime: string; sequence: number };
}

export const HEARTBEAT_SUBSCRIPTION = gql<HeartbeatData>`
  subscription Heartbeat {
    heartbeat {
      serverTime
      sequence
    }
  }
`;
