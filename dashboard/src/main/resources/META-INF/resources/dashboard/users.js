// Users page (#users, admins): list, create with a role.
import { api } from './api.js';
import { fillTable, onSubmit, roleName, say, when } from './ui.js';

const $ = (id) => document.getElementById(id);

export const users = {
  init() {
    onSubmit($('new-user'), async (data) => {
      const user = await api('/api/v1/users', { method: 'POST', body: data });
      $('new-user').reset();
      await this.show();
      return `Created user ${user.username} (${roleName(user.role)}).`;
    });
  },
  async show() {
    say($('users-error'), '');
    try {
      const list = await api('/api/v1/users');
      fillTable($('users'), list.map((u) => [u.username, roleName(u.role), when(u.createdAt)]), null);
    } catch (e) {
      fillTable($('users'), [], null);
      say($('users-error'), `Could not load the users: ${e.message}`);
    }
  },
};
