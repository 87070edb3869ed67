/**
 * A job's definition and its permissions, as `jobs/get` and `permissions/jobs/{job_id}` answer them (the fields
 * d2s reads; SDK models `jobs.Job`, `jobs.JobSettings`, `jobs.JobPermissions`).
 */
import type { OpenEnum } from './jobs-types.js';

/** A job parameter definition: the name a run-now `job_parameters` entry must use, and its default. */
export interface JobParameterDefinition {
  name: string;
  default?: string;
}

/** A webhook notification: the id of a notification destination. */
export interface WebhookReference {
  id: string;
}

export interface JobSettings {
  name?: string;
  parameters?: JobParameterDefinition[];
  webhook_notifications?: {
    on_start?: WebhookReference[];
    on_success?: WebhookReference[];
    on_failure?: WebhookReference[];
    on_duration_warning_threshold_exceeded?: WebhookReference[];
    on_streaming_backlog_exceeded?: WebhookReference[];
  };
}

export interface Job {
  job_id: number;
  creator_user_name?: string;
  run_as_user_name?: string;
  settings?: JobSettings;
}

export type JobPermissionLevel = OpenEnum<'CAN_VIEW' | 'CAN_MANAGE_RUN' | 'IS_OWNER' | 'CAN_MANAGE'>;

export interface JobAccessControlEntry {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  display_name?: string;
  all_permissions?: Array<{
    permission_level?: JobPermissionLevel;
    inherited?: boolean;
    inherited_from_object?: string[];
  }>;
}

export interface JobPermissions {
  object_id?: string;
  object_type?: string;
  access_control_list?: JobAccessControlEntry[];
}
