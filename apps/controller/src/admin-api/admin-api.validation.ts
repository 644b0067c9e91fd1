import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/**
 * The admin API's validation: class-validator DTOs with `whitelist` and `forbidNonWhitelisted`
 * (unknown fields are refused, not dropped), query strings converted to the DTO types; failures
 * become `VALIDATION_FAILED` problems with per-field messages. Scoped to the admin controllers
 * (`AdminApiController`) so necord's option DTOs of the same app are never touched.
 */
export function adminApiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) =>
      new AdminApiException(
        AdminApiErrorCode.ValidationFailed,
        'The request has invalid or unknown fields.',
        undefined,
        validationErrors(errors),
      ),
  });
}

/** Turns class-validator errors into per-field messages (`field` is the dotted path). */
export function validationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...validationErrors(error.children ?? [], field)];
  });
}
