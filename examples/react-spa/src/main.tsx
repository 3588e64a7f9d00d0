import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { loadConfig } from './config.js';

const config = await loadConfig();
createRoot(document.getElementById('root')!).render(<App config={config} />);
