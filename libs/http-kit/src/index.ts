export * from './logger';
export * from './problem';
export * from './service-app';
export * from './validation';
export { Router } from 'express';
export type { Express, Request, RequestHandler, Response, NextFunction } from 'express';
export * from './run-service';
export * from './user-routes';
