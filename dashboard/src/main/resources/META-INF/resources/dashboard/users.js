// Users page (#users, admins): list, create with a role.
import { api } from './api.js';
import { fillTable, loadList, onCreate, roleName, when } from './ui.js';

const $ = (id) => document.getElementById(id);

export const users = {
  init() {
    onCreate($('new-user'), () => '/api/v1/users', () => this.show(), (user) => `Created user ${user.username} (${roleName(user.role)}).`);
  },
  async show() {
    const list = await loadList(() => api('/api/v1/users'), $('users'), $('users-error'), 'users');
    if (list) fillTable($('users'), list.map((u) => [u.username, roleName(u.role), when(u.createdAt)]), null);
  },
};
