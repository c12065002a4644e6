/**
 * Where the AWS credential chain looks, read from the variables the AWS SDKs read (config/config.ts maps
 * them). Plain data: nothing here touches a file or the network.
 */
export interface CredentialChainSettings {
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. */
  environment: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string };
  sharedFiles: {
    /** AWS_PROFILE; unset means the profile `default`, which may be absent without error. */
    profile?: string;
    /** AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials. */
    credentialsFile: string;
    /** AWS_CONFIG_FILE, or ~/.aws/config. */
    configFile: string;
  };
  /** AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME (EKS IAM roles for service accounts). */
  webIdentity: { tokenFile?: string; roleArn?: string; sessionName?: string };
  /** Where AssumeRoleWithWebIdentity goes: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, or STS of the region. */
  stsEndpoint: string;
  /** AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) (ECS, EKS Pod Identity). */
  container: {
    relativeUri?: string;
    fullUri?: string;
    authorizationToken?: string;
    authorizationTokenFile?: string;
    /** The ECS agent, to which the relative URI is relative: always ECS_AGENT but in tests. */
    agent: string;
  };
  /** EC2 instance metadata (IMDSv2): off with AWS_EC2_METADATA_DISABLED; AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE). */
  instanceMetadata: { disabled: boolean; endpoint: string };
  /** AWS_METADATA_SERVICE_TIMEOUT and AWS_METADATA_SERVICE_NUM_ATTEMPTS, for the container and instance endpoints. */
  metadataTimeoutMs: number;
  metadataAttempts: number;
}

/** The ECS agent's address, to which AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative. */
export const ECS_AGENT = 'http://169.254.170.2';
export const IMDS_ENDPOINT_IPV4 = 'http://169.254.169.254';
export const IMDS_ENDPOINT_IPV6 = 'http://[fd00:ec2::254]';

/**
 * STS's endpoint as the AWS SDKs pick it: an override, else the regional endpoint (the SDKs' default since
 * 2022), else the global one when no region is set or AWS_STS_REGIONAL_ENDPOINTS=legacy.
 */
export function stsEndpointOf(o: { override?: string; region?: string; regionalEndpoints?: string }): string {
  if (o.override) return o.override.replace(/\/+$/, '');
  if (!o.region || o.regionalEndpoints === 'legacy') return 'https://sts.amazonaws.com';
  return `https://sts.${o.region}.amazonaws.com`;
}
