/** A compiled route template such as `/channels/:channel_id/messages`. */
export interface CompiledRoute<T> {
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  value: T;
}

/** Minimal method + path-template router (literal segments beat parameters by declaration order). */
export class Router<T> {
  private readonly routes: CompiledRoute<T>[] = [];

  add(method: string, template: string, value: T): this {
    const keys: string[] = [];
    const pattern = template
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, template, regex: new RegExp(`^${pattern}/?$`), keys, value });
    return this;
  }

  /** Finds the route for a method and path; `allowed` lists methods of a path that exists with another method. */
  match(
    method: string,
    path: string,
  ): { route: CompiledRoute<T>; params: Record<string, string> } | { route: null; allowed: string[] } {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return { route: null, allowed };
  }
}
