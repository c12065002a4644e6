/** Every operation of the HTTP API, and the response shapes several of them share (named once in the document). */
import type { z } from 'zod';
import type { ApiOperation } from '../operation.js';
import * as accounts from '../schemas/accounts.js';
import * as consoleShapes from '../schemas/console.js';
import { FileObject } from '../schemas/files.js';
import { ImagesResponse, Task } from '../schemas/images.js';
import { Model, PublicContract } from '../schemas/models.js';
import { adminOperations } from './admin.js';
import { clientOperations } from './client.js';
import { consoleOperations } from './console.js';
import { serviceOperations } from './service.js';

export const API_OPERATIONS: readonly ApiOperation[] = [...clientOperations, ...adminOperations, ...consoleOperations, ...serviceOperations];

export const SHARED_SCHEMAS: Record<string, z.ZodType> = {
  ImagesResponse,
  Task,
  Model,
  PublicContract,
  FileObject,
  Account: accounts.Account,
  ApiKey: accounts.ApiKey,
  CreatedApiKey: accounts.CreatedApiKey,
  FundedApiKey: accounts.FundedApiKey,
  RevokedKey: accounts.RevokedKey,
  ApiKeyPage: accounts.ApiKeyPage,
  UsageReport: accounts.UsageReport,
  LedgerPage: accounts.LedgerPage,
  RequestPage: accounts.RequestPage,
  RequestDetail: accounts.RequestDetail,
  ListedTaskPage: accounts.ListedTaskPage,
  TaskDetail: accounts.TaskDetail,
  MoneyMoved: accounts.MoneyMoved,
  User: consoleShapes.User,
  Session: consoleShapes.Session,
  Invite: consoleShapes.Invite,
  TopupCode: consoleShapes.TopupCode,
};
