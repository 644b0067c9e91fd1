import { CommandOptionType } from './discord-sandbox.constants';
import { DiscordApiError, FormErrorTree } from './discord-sandbox.exception';

/** A registered application command — Interactions › Application Commands › Application Command Object. */
export interface ApplicationCommand {
  id: string;
  application_id: string;
  version: string;
  default_member_permissions: string | null;
  type: number;
  name: string;
  name_localizations: Record<string, string> | null;
  description: string;
  description_localizations: Record<string, string> | null;
  options?: CommandOption[];
  guild_id?: string;
  nsfw: boolean;
  integration_types: number[];
  contexts: number[] | null;
  dm_permission?: boolean;
}

/** An application command option — Interactions › Application Commands › Application Command Option Structure. */
export interface CommandOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: CommandOption[];
  channel_types?: number[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
}

/**
 * Name rule of CHAT_INPUT commands and options: `^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`,
 * and lowercase where the letters have a lowercase variant — Interactions › Application Commands ›
 * Application Command Naming.
 */
export const COMMAND_NAME_PATTERN = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Command types — Interactions › Application Commands › Application Command Types. */
const CommandType = { ChatInput: 1, User: 2, Message: 3, PrimaryEntryPoint: 4 } as const;

const err = (code: string, message: string) => ({ _errors: [{ code, message }] });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkName(name: unknown, chatInput: boolean, errors: FormErrorTree): void {
  if (typeof name !== 'string') {
    errors.name = err('BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  if (name.length < 1 || name.length > 32) {
    errors.name = err('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
    return;
  }
  if (chatInput && (!COMMAND_NAME_PATTERN.test(name) || name !== name.toLowerCase())) {
    errors.name = err('APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

function checkDescription(description: unknown, chatInput: boolean, errors: FormErrorTree): void {
  if (!chatInput) {
    if (description !== undefined && description !== '' && description !== null) {
      errors.description = err('APPLICATION_COMMAND_INVALID_DESCRIPTION', 'Description must be empty');
    }
    return;
  }
  if (typeof description !== 'string') {
    errors.description = err('BASE_TYPE_REQUIRED', 'This field is required');
  } else if (description.length < 1 || description.length > 100) {
    errors.description = err('BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
}

const VALID_OPTION_TYPES = new Set<number>(Object.values(CommandOptionType));

function checkOptions(options: unknown, depth: number, errors: FormErrorTree): CommandOption[] | undefined {
  if (options === undefined || options === null) return undefined;
  if (!Array.isArray(options)) {
    errors.options = err('BASE_TYPE_ARRAY', 'Must be an array.');
    return undefined;
  }
  if (options.length > 25) {
    errors.options = err('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    return undefined;
  }
  const tree: FormErrorTree = {};
  let seenOptional = false;
  const result: CommandOption[] = [];
  options.forEach((raw: unknown, index) => {
    const optionErrors: FormErrorTree = {};
    if (!isRecord(raw)) {
      tree[index] = err('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    const type = raw.type;
    if (typeof type !== 'number' || !VALID_OPTION_TYPES.has(type)) {
      optionErrors.type = err(
        'BASE_TYPE_CHOICES',
        `Value must be one of {${[...VALID_OPTION_TYPES].join(', ')}}.`,
      );
    }
    checkName(raw.name, true, optionErrors);
    checkDescription(raw.description, true, optionErrors);
    const isSub = type === CommandOptionType.Subcommand || type === CommandOptionType.SubcommandGroup;
    if (isSub && depth >= (type === CommandOptionType.SubcommandGroup ? 1 : 2)) {
      optionErrors.type = err('APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Sub-command nesting is too deep');
    }
    if (!isSub) {
      if (raw.required === true && seenOptional) {
        tree._errors = [
          {
            code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
            message: 'Required options must be placed before non-required options',
          },
        ];
      }
      if (raw.required !== true) seenOptional = true;
    }
    if (Array.isArray(raw.choices) && raw.choices.length > 25) {
      optionErrors.choices = err('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
    let nested: CommandOption[] | undefined;
    if (isSub) {
      const nestedErrors: FormErrorTree = {};
      nested = checkOptions(raw.options, depth + 1, nestedErrors);
      if (type === CommandOptionType.SubcommandGroup) {
        for (const child of nested ?? []) {
          if (child.type !== CommandOptionType.Subcommand) {
            nestedErrors.options = err(
              'APPLICATION_COMMAND_OPTION_TYPE_INVALID',
              'Sub-command groups may only contain sub-commands',
            );
          }
        }
      }
      Object.assign(optionErrors, nestedErrors);
    }
    if (Object.keys(optionErrors).length > 0) {
      tree[index] = optionErrors;
      return;
    }
    result.push({
      type: type as number,
      name: raw.name as string,
      description: raw.description as string,
      ...(raw.required === true ? { required: true } : {}),
      ...(Array.isArray(raw.choices) ? { choices: raw.choices as CommandOption['choices'] } : {}),
      ...(nested ? { options: nested } : {}),
      ...(Array.isArray(raw.channel_types) ? { channel_types: raw.channel_types as number[] } : {}),
      ...(typeof raw.min_value === 'number' ? { min_value: raw.min_value } : {}),
      ...(typeof raw.max_value === 'number' ? { max_value: raw.max_value } : {}),
      ...(typeof raw.min_length === 'number' ? { min_length: raw.min_length } : {}),
      ...(typeof raw.max_length === 'number' ? { max_length: raw.max_length } : {}),
      ...(raw.autocomplete === true ? { autocomplete: true } : {}),
    });
  });
  if (Object.keys(tree).length > 0) errors.options = tree;
  return result;
}

/** A validated command body (before ids are assigned). */
export type CommandInput = Omit<ApplicationCommand, 'id' | 'application_id' | 'version' | 'guild_id'>;

/**
 * Validates one command body and returns its normalised fields, or the errors tree of an Invalid
 * Form Body (50035) response — rules from Interactions › Application Commands (naming, description
 * 1–100, at most 25 options and choices, required options before optional ones, option types).
 */
export function validateCommand(body: unknown): { command: CommandInput } | { errors: FormErrorTree } {
  if (!isRecord(body))
    return { errors: err('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType') };
  const errors: FormErrorTree = {};
  const type = body.type ?? CommandType.ChatInput;
  if (typeof type !== 'number' || !Object.values(CommandType).includes(type as 1)) {
    errors.type = err('BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
  }
  const chatInput = type === CommandType.ChatInput;
  checkName(body.name, chatInput, errors);
  checkDescription(body.description, chatInput, errors);
  const options = chatInput ? checkOptions(body.options, 0, errors) : undefined;
  if (Object.keys(errors).length > 0) return { errors };
  const perms = body.default_member_permissions;
  return {
    command: {
      type: type as number,
      name: body.name as string,
      name_localizations: isRecord(body.name_localizations)
        ? (body.name_localizations as Record<string, string>)
        : null,
      description: chatInput ? (body.description as string) : '',
      description_localizations: isRecord(body.description_localizations)
        ? (body.description_localizations as Record<string, string>)
        : null,
      ...(options ? { options } : {}),
      default_member_permissions: typeof perms === 'string' ? perms : null,
      nsfw: body.nsfw === true,
      integration_types: Array.isArray(body.integration_types) ? (body.integration_types as number[]) : [0],
      contexts: Array.isArray(body.contexts) ? (body.contexts as number[]) : null,
      ...(typeof body.dm_permission === 'boolean' ? { dm_permission: body.dm_permission } : {}),
    },
  };
}

/** Validates a bulk-overwrite array (PUT); errors are keyed by array index as Discord does. */
export function validateCommandList(body: unknown): CommandInput[] {
  if (!Array.isArray(body))
    throw DiscordApiError.invalidFormBody(err('BASE_TYPE_ARRAY', 'Must be an array.'));
  const errors: FormErrorTree = {};
  const commands: CommandInput[] = [];
  body.forEach((item: unknown, index) => {
    const result = validateCommand(item);
    if ('errors' in result) errors[index] = result.errors;
    else commands.push(result.command);
  });
  const names = new Set<string>();
  commands.forEach((c) => {
    const key = `${c.type}:${c.name}`;
    if (names.has(key)) {
      errors._errors = [
        { code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: `Application command names must be unique` },
      ];
    }
    names.add(key);
  });
  if (Object.keys(errors).length > 0) throw DiscordApiError.invalidFormBody(errors);
  return commands;
}
